/**
 * The sandbox's template library: integrations a partner built, in the shapes of
 * ../shared/cyclr/cycles.md. They share connectors (Salesforce, MailChimp, Xero, Slack), cover every
 * auth type of the catalog, and between them carry every kind of prerequisite the notes list: an
 * unauthenticated connector (20), a step with a missing parameter (40, with and without a lookup) or
 * field mapping (41, the person's or the partner's to fix), a decision step without criteria (31).
 * What the notes leave unknown is marked "inferred".
 */

/** A lookup's choices, as POST /v1.0/steps/{id}/parameters/{pid}/lookup answers them ([{Name, Value}]). */
export interface LookupChoice {
  Name: string;
  Value: string;
}

export interface ValueSpec {
  name: string;
  description?: string;
  optional?: boolean;
  /** A lookup (a Cyclr trigger): the choices come from the connector's account once it is authenticated. */
  lookup?: { trigger: string; humanReadableKey: string; identifierKey: string; choices: LookupChoice[] };
  /** Pre-defined values (a field or parameter "Values" list). */
  values?: string[];
  /**
   * The template's own mapping, copied on install: the partner's design. Written as a "Type a Value"
   * mapping with a mergefield, the one kind the notes name (StaticValue).
   */
  preset?: string;
  /**
   * Field mappings only: "User Configurable" in the builder (IsLaunchVisible). Such a mapping is left
   * for the person at install: a value the partner typed for testing is not copied (Cyclr's docs).
   */
  userConfigurable?: boolean;
}

export interface StepSpec {
  name: string;
  /** The catalog connector's name; none for a tool step (a decision). */
  connector?: string;
  method: string;
  /** "Action" as Cyclr's tests send it; "Decision" for a tool step (inferred). */
  actionType?: "Action" | "Decision";
  /** The first step is a webhook: it has a URL the sending application must be given. */
  webhook?: boolean;
  parameters?: ValueSpec[];
  fields?: ValueSpec[];
  /** A decision step the partner left without criteria: reason 31, only the partner can fix it. */
  missingCriteria?: boolean;
}

export interface TemplateSpec {
  id: string;
  name: string;
  description: string;
  tags: string[];
  /**
   * The partner's per-template choice: "existing" reuses the account's installed connectors
   * ("Existing Installation", Cyclr's default), "fresh" always installs new ones. No API field shows it.
   */
  installation: "existing" | "fresh";
  steps: StepSpec[];
}

const MAILCHIMP_LISTS: LookupChoice[] = [
  { Name: "Newsletter Subscribers", Value: "a78f86e7d7" },
  { Name: "Customers", Value: "c41d09b2e5" },
  { Name: "Webinar Leads", Value: "5f2e7a91c3" },
];

const SLACK_CHANNELS: LookupChoice[] = [
  { Name: "#general", Value: "C012AB3CD" },
  { Name: "#support", Value: "C0SUPPORT1" },
  { Name: "#sales", Value: "C0SALES22" },
];

const SPREADSHEETS: LookupChoice[] = [
  { Name: "Form responses 2026", Value: "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms" },
  { Name: "Leads", Value: "1mHIWnDvW9cALRMq9OPOmbbdJz7uq2lYdK9F3ZmbB3xE" },
];

const mailchimpList: ValueSpec = {
  name: "List",
  description: "The Mailchimp audience to add people to.",
  lookup: { trigger: "Lookup List", humanReadableKey: "[lists].name", identifierKey: "[lists].id", choices: MAILCHIMP_LISTS },
};

const slackChannel: ValueSpec = {
  name: "Channel",
  description: "The channel to post to.",
  lookup: { trigger: "Lookup Channels", humanReadableKey: "[channels].name", identifierKey: "[channels].id", choices: SLACK_CHANNELS },
};

const subscriberFields: ValueSpec[] = [
  { name: "Email Address", preset: "{{Email}}" },
  { name: "Status", values: ["subscribed", "pending"], preset: "subscribed" },
  { name: "Tag", description: "A tag for everyone this integration adds.", optional: true, userConfigurable: true },
];

export const TEMPLATE_SPECS: TemplateSpec[] = [
  {
    id: "7ad2265e-2ff0-477b-b913-cae1dfde2ea8",
    name: "Salesforce contacts to Mailchimp",
    description: "Adds new and updated Salesforce contacts to a Mailchimp audience.",
    tags: ["crm", "email-marketing"],
    installation: "existing",
    steps: [
      { name: "Get updated contacts", connector: "Salesforce", method: "Contacts: Get Updated" },
      { name: "Add or update subscriber", connector: "MailChimp", method: "Lists: Add/Update Member", parameters: [mailchimpList], fields: subscriberFields },
    ],
  },
  {
    id: "3c1f0b9e-5a7d-4e2b-9c61-0d8e4f2a7b15",
    name: "Pipedrive won deals to Xero invoices",
    description: "Raises a Xero invoice for every deal won in Pipedrive.",
    tags: ["crm", "accounting"],
    installation: "existing",
    steps: [
      { name: "Get won deals", connector: "Pipedrive", method: "Deals: Get Won" },
      {
        name: "Create invoice",
        connector: "Xero",
        method: "Invoices: Create",
        fields: [
          { name: "Contact Name", preset: "{{org_name}}" },
          { name: "Account Code", description: "The Xero sales account code, e.g. 200.", userConfigurable: true },
          // Required, not user configurable and left empty by the partner: only the partner can fix it.
          { name: "Tax Type", description: "The Xero tax rate to apply." },
        ],
      },
    ],
  },
  {
    id: "b52e7c04-91d3-4f6a-8e2b-6a7c0d9e1f33",
    name: "Zendesk urgent tickets to Slack",
    description: "Posts new urgent Zendesk tickets to a Slack channel.",
    tags: ["helpdesk", "chat"],
    installation: "existing",
    steps: [
      { name: "Get new tickets", connector: "Zendesk", method: "Tickets: Get New" },
      { name: "Post message", connector: "Slack", method: "Messages: Post", parameters: [slackChannel], fields: [{ name: "Text", preset: "New ticket: {{subject}}" }] },
    ],
  },
  {
    id: "e0d4a9b1-27c6-4a53-b8f0-3d91c6e2a470",
    name: "Shopify orders to QuickBooks Online",
    description: "Creates a QuickBooks sales receipt for every paid Shopify order.",
    tags: ["ecommerce", "accounting"],
    installation: "fresh",
    steps: [
      { name: "Get paid orders", connector: "Shopify", method: "Orders: Get Paid" },
      {
        name: "Create sales receipt",
        connector: "QuickBooks Online",
        method: "Sales Receipts: Create",
        parameters: [{ name: "Income Account", description: "Where the income is booked.", values: ["Sales", "Services", "Other Income"] }],
        fields: [{ name: "Customer Email", preset: "{{customer.email}}" }],
      },
    ],
  },
  {
    id: "91a7f3c2-6b0e-4d85-a1c9-f4e2b7d05c68",
    name: "Trello bug cards to Jira issues",
    description: "Opens a Jira issue for each Trello card labelled bug.",
    tags: ["project-management"],
    installation: "existing",
    steps: [
      { name: "Get new cards", connector: "Trello", method: "Cards: Get New" },
      { name: "Only bug cards", method: "Decision", actionType: "Decision", missingCriteria: true },
      { name: "Create issue", connector: "Jira", method: "Issues: Create", parameters: [{ name: "Project Key", description: "The Jira project, e.g. BUG." }], fields: [{ name: "Summary", preset: "{{name}}" }] },
    ],
  },
  {
    id: "5d8c2e61-0f4b-4a97-b3d2-7e1a9c6f0b24",
    name: "Form submissions to Google Sheets",
    description: "Adds a row to a Google Sheet for every form submission sent to its webhook.",
    tags: ["forms", "spreadsheets"],
    installation: "existing",
    steps: [
      { name: "Receive submission", connector: "Generic Webhook", method: "Webhook", webhook: true },
      {
        name: "Add row",
        connector: "Google Sheets",
        method: "Rows: Add",
        parameters: [
          { name: "Spreadsheet", description: "The spreadsheet to add rows to.", lookup: { trigger: "Lookup Spreadsheets", humanReadableKey: "[files].name", identifierKey: "[files].id", choices: SPREADSHEETS } },
          { name: "Worksheet", description: "The sheet's name inside the spreadsheet.", optional: true },
        ],
      },
    ],
  },
  {
    id: "c7e03b5a-4d21-4f8e-9a6b-1e5d0c3f7a92",
    name: "Marketo leads to Salesforce",
    description: "Creates a Salesforce lead for every new Marketo lead.",
    tags: ["marketing", "crm"],
    installation: "fresh",
    steps: [
      { name: "Get new leads", connector: "Marketo", method: "Leads: Get New" },
      { name: "Create lead", connector: "Salesforce", method: "Leads: Create", fields: [{ name: "Last Name", preset: "{{lastName}}" }, { name: "Company", preset: "{{company}}" }] },
    ],
  },
  {
    id: "0f6b9d27-83a1-4c5e-b7f2-9a4d1e6c3b80",
    name: "Société Générale Pay payouts to Xero",
    description: "Records each Société Générale Pay payout as a Xero bank transaction.",
    tags: ["payments", "accounting"],
    installation: "existing",
    steps: [
      { name: "Get payouts", connector: "Société Générale Pay", method: "Payouts: Get New" },
      { name: "Create bank transaction", connector: "Xero", method: "Bank Transactions: Create", fields: [{ name: "Bank Account", description: "The Xero bank account code.", userConfigurable: true }] },
    ],
  },
  {
    id: "a4b8e1d3-7c20-4f69-8d5a-2b9e0f7c1d46",
    name: "SugarCRM accounts to Mailchimp",
    description: "Keeps a Mailchimp audience in step with SugarCRM accounts.",
    tags: ["crm", "email-marketing"],
    installation: "existing",
    steps: [
      { name: "Get updated accounts", connector: "SugarCRM", method: "Accounts: Get Updated" },
      { name: "Add or update subscriber", connector: "MailChimp", method: "Lists: Add/Update Member", parameters: [mailchimpList], fields: subscriberFields },
    ],
  },
  {
    id: "d29f6a0c-5e83-4b17-a6c4-8f0b3e9d2a51",
    name: "Dynamics NAV orders to Slack",
    description: "Posts new Microsoft Dynamics NAV sales orders to Slack.",
    tags: ["erp", "chat"],
    installation: "existing",
    steps: [
      { name: "Get new sales orders", connector: "Microsoft Dynamics NAV", method: "Sales Orders: Get New" },
      { name: "Post message", connector: "Slack", method: "Messages: Post", parameters: [slackChannel], fields: [{ name: "Text", preset: "Order {{No}}" }] },
    ],
  },
];

/** A template list item in a shape this server cannot read (oddItems): Connectors is not a list. */
export const ODD_TEMPLATE = { Id: "00000000-0dd0-4000-8000-000000000001", Name: "Odd Template", Description: null, Connectors: "MailChimp", Tags: [] };
