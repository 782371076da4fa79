/**
 * The sandbox's seeded catalog: realistic connectors in the JSON shapes of api-notes §3, covering
 * every AuthType and OAuth2Type, required/optional/sensitive properties with allowed Values,
 * several authentication methods, the older top-level-only shape, icons, and a draft.
 */
import { deflateSync } from "node:zlib";

export interface ParameterFixture {
  Id: number;
  Name: string;
  Description: string | null;
  TargetName: string;
  TargetType: string;
  DataType: string;
  TriggerName: string | null;
  IsAccountConnectorProperty: boolean;
  IsOptional: boolean;
  IsSensitive: boolean;
  Values: string[] | null;
}

export interface AuthenticationFixture {
  Id: string;
  AuthName: string;
  AuthDescription: string | null;
  AuthType: string;
  OAuth2Type: string;
  AuthScheme: string | null;
}

export interface ConnectorFixture {
  Id: number;
  Name: string;
  Description: string;
  Status: string;
  Version: string;
  Icon: string;
  AuthDescription: string | null;
  AuthType: string;
  OAuth2Type: string;
  AuthScheme: string | null;
  Categories: string[];
  Parameters: ParameterFixture[];
  Authentication?: AuthenticationFixture[];
}

type AuthType = "ApiKey" | "Basic" | "OAuth1" | "OAuth2" | "None" | "AuthFields" | "Kerberos" | "NetSuiteOAuth1" | "ClientCertificate";
type OAuth2Type = "AuthorisationCode" | "ClientCredentials" | "PasswordCredentials";

interface AuthSpec {
  type: AuthType;
  oauth2?: OAuth2Type;
  name?: string;
  scheme?: string;
}

interface PropertySpec {
  target: string;
  name?: string;
  description?: string;
  optional?: boolean;
  sensitive?: boolean;
  values?: string[];
  /** A connector-level parameter that an account may not set. */
  internal?: boolean;
}

export interface ConnectorSpec {
  name: string;
  description: string;
  categories: string[];
  auth: AuthSpec[];
  properties?: PropertySpec[];
  version?: string;
  /** Older single-auth shape: top-level AuthType only, no Authentication[]. */
  legacy?: boolean;
  status?: string;
  /** A partner's own connector: listed only with includeCustomConnectors=true (inferred: the default is unknown, so the strictest). */
  custom?: boolean;
  /** Its account connectors keep reporting the connector's default AuthType, whatever method was chosen at install. */
  reportsDefaultAuth?: boolean;
}

const AUTH_NAMES: Record<AuthType, string> = {
  ApiKey: "API Key",
  Basic: "HTTP Basic",
  OAuth1: "OAuth 1.0a",
  OAuth2: "OAuth 2.0",
  None: "None",
  AuthFields: "Authentication Fields",
  Kerberos: "Kerberos",
  NetSuiteOAuth1: "NetSuite Token-Based Authentication",
  ClientCertificate: "Client Certificate",
};

const SPECS: ConnectorSpec[] = [
  { name: "Pipedrive", description: "Sales CRM for small teams with big ambitions.", categories: ["CRMs"], auth: [{ type: "ApiKey", scheme: "QueryString" }], properties: [{ target: "CompanyDomain", name: "Company Domain", description: "Your Pipedrive company domain, e.g. 'acme' for acme.pipedrive.com." }] },
  { name: "HubSpot", description: "Inbound marketing, sales and service platform.", categories: ["CRMs", "Marketing"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }, { type: "ApiKey", name: "Private App Token", scheme: "Authorization" }] },
  { name: "Salesforce", description: "The world's #1 CRM: sales, service and marketing clouds.", categories: ["CRMs"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }], properties: [{ target: "isSandbox", name: "Is Sandbox?", description: "Connect to a Salesforce sandbox org rather than production.", values: ["true", "false"] }, { target: "ApiVersion", name: "API Version", description: "Salesforce REST API version.", optional: true, values: ["58.0", "59.0", "60.0"] }] },
  { name: "MailChimp", description: "Email marketing and audience management.", categories: ["Marketing"], auth: [{ type: "ApiKey" }], version: "v3", legacy: true, properties: [{ target: "DataCenter", name: "Data Center", description: "The data center suffix of your API key, e.g. us6.", optional: true }] },
  { name: "SugarCRM", description: "Customer experience CRM.", categories: ["CRMs"], auth: [{ type: "OAuth2", oauth2: "PasswordCredentials" }], properties: [{ target: "Domain", description: "Your SugarCRM domain, e.g. myaccount.sugarcrm.eu." }, { target: "Username", description: "The SugarCRM user to connect as." }, { target: "Password", description: "That user's password.", sensitive: true }] },
  { name: "Microsoft Dynamics 365", description: "Microsoft's CRM and ERP applications.", categories: ["CRMs", "ERP"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }], properties: [{ target: "Resource", description: "Your Dynamics instance URL, e.g. https://example.crm.dynamics.com." }] },
  { name: "Xero", description: "Online accounting software for small businesses.", categories: ["Accounting"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }] },
  { name: "Trello", description: "Boards, lists and cards to organise projects.", categories: ["Project Management"], auth: [{ type: "OAuth1" }] },
  { name: "Zendesk", description: "Customer service and ticketing.", categories: ["Helpdesk"], auth: [{ type: "Basic" }], properties: [{ target: "Subdomain", description: "Your Zendesk subdomain, e.g. 'acme' for acme.zendesk.com." }] },
  { name: "Marketo", description: "Marketing automation by Adobe.", categories: ["Marketing"], auth: [{ type: "OAuth2", oauth2: "ClientCredentials" }], properties: [{ target: "ClientId", name: "Client ID", description: "The LaunchPoint service's Client ID." }, { target: "ClientSecret", name: "Client Secret", description: "The LaunchPoint service's Client Secret.", sensitive: true }, { target: "MunchkinId", name: "Munchkin ID", description: "Your Marketo instance id, e.g. 123-ABC-456." }] },
  { name: "Sage Business Cloud Accounting", description: "Cloud accounting for small businesses.", categories: ["Accounting"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }], properties: [{ target: "Region", description: "The region of your Sage business.", values: ["UK", "IE", "US", "CA", "ES", "FR", "DE"] }] },
  { name: "Zoho CRM", description: "CRM for businesses of every size.", categories: ["CRMs"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }], properties: [{ target: "Domain", description: "The Zoho data center of your account.", values: ["com", "eu", "in", "com.au", "jp"] }] },
  { name: "Generic Webhook", description: "Receive data from any system that can send an HTTP request.", categories: ["Utilities"], auth: [{ type: "None" }] },
  { name: "Data Tools", description: "Text, number and date utilities for your integrations.", categories: ["Utilities"], auth: [{ type: "None" }], legacy: true },
  { name: "Société Générale Pay", description: "Card payments and payouts for European merchants.", categories: ["Payments"], auth: [{ type: "AuthFields" }], properties: [{ target: "MerchantId", name: "Merchant ID", description: "Your merchant identifier." }, { target: "ApiSecret", name: "API Secret", description: "The secret from the merchant back office.", sensitive: true }] },
  { name: "Shopify", description: "Ecommerce platform for online stores.", categories: ["Ecommerce"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }, { type: "ApiKey", name: "Admin API Access Token", scheme: "X-Shopify-Access-Token" }], properties: [{ target: "ShopName", name: "Shop Name", description: "The shop's myshopify.com subdomain." }] },
  { name: "WooCommerce", description: "Open-source ecommerce for WordPress.", categories: ["Ecommerce"], auth: [{ type: "Basic", name: "Consumer Key and Secret" }], properties: [{ target: "StoreUrl", name: "Store URL", description: "Your store's address, e.g. https://shop.example.com." }] },
  { name: "Freshdesk", description: "Helpdesk and customer support software.", categories: ["Helpdesk"], auth: [{ type: "ApiKey" }], properties: [{ target: "Domain", description: "Your Freshdesk domain, e.g. acme.freshdesk.com." }] },
  { name: "Intercom", description: "Customer messaging platform.", categories: ["Helpdesk", "Communication"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }] },
  { name: "Slack", description: "Messaging for teams.", categories: ["Communication"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }] },
  { name: "Microsoft Teams", description: "Chat, meetings and calls for Microsoft 365.", categories: ["Communication"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }] },
  { name: "Gmail", description: "Google's email service.", categories: ["Communication"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }] },
  { name: "Twilio", description: "SMS, voice and messaging APIs.", categories: ["Communication"], auth: [{ type: "Basic", name: "Account SID and Auth Token" }] },
  { name: "SendGrid", description: "Transactional and marketing email delivery.", categories: ["Marketing", "Communication"], auth: [{ type: "ApiKey", scheme: "Authorization" }] },
  { name: "Asana", description: "Work management for teams.", categories: ["Project Management"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }, { type: "ApiKey", name: "Personal Access Token", scheme: "Authorization" }] },
  { name: "Jira", description: "Issue and project tracking by Atlassian.", categories: ["Project Management"], auth: [{ type: "Basic", name: "Email and API Token" }], legacy: true, properties: [{ target: "Domain", description: "Your Atlassian site, e.g. acme.atlassian.net." }] },
  { name: "monday.com", description: "Work OS for teams.", categories: ["Project Management"], auth: [{ type: "ApiKey" }] },
  { name: "QuickBooks Online", description: "Accounting software by Intuit.", categories: ["Accounting"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }], properties: [{ target: "Environment", description: "Production or the Intuit developer sandbox.", values: ["Production", "Sandbox"] }] },
  { name: "Oracle NetSuite", description: "Cloud ERP.", categories: ["Accounting", "ERP"], auth: [{ type: "OAuth1", name: "Token-Based Authentication" }], properties: [{ target: "AccountId", name: "Account ID", description: "Your NetSuite account id, e.g. 1234567_SB1." }] },
  { name: "Stripe", description: "Online payments.", categories: ["Payments"], auth: [{ type: "ApiKey", scheme: "Authorization" }] },
  { name: "PayPal", description: "Payments and checkout.", categories: ["Payments"], auth: [{ type: "OAuth2", oauth2: "ClientCredentials" }], properties: [{ target: "ClientId", name: "Client ID" }, { target: "ClientSecret", name: "Client Secret", sensitive: true }, { target: "Environment", values: ["Live", "Sandbox"] }] },
  { name: "Magento 2", description: "Adobe Commerce ecommerce platform.", categories: ["Ecommerce"], auth: [{ type: "OAuth1" }], properties: [{ target: "StoreUrl", name: "Store URL", description: "Your Magento base URL." }] },
  { name: "BigCommerce", description: "Ecommerce platform for growing brands.", categories: ["Ecommerce"], auth: [{ type: "ApiKey", name: "API Account Access Token", scheme: "X-Auth-Token" }], properties: [{ target: "StoreHash", name: "Store Hash", description: "The store hash from your API path." }] },
  { name: "Google Sheets", description: "Spreadsheets in Google Workspace.", categories: ["Productivity"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }] },
  { name: "Dropbox", description: "Cloud file storage.", categories: ["File Storage"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }] },
  { name: "Box", description: "Content cloud for enterprises.", categories: ["File Storage"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }] },
  { name: "SFTP", description: "Read and write files on an SFTP server.", categories: ["Utilities", "File Storage"], auth: [{ type: "Basic" }], properties: [{ target: "Host", description: "The server's host name." }, { target: "Port", description: "The server's port; 22 if empty.", optional: true }] },
  { name: "ActiveCampaign", description: "Email marketing and automation.", categories: ["Marketing"], auth: [{ type: "ApiKey", scheme: "Api-Token" }], properties: [{ target: "AccountUrl", name: "Account URL", description: "e.g. https://acme.api-us1.com." }] },
  { name: "Klaviyo", description: "Email and SMS marketing for ecommerce.", categories: ["Marketing"], auth: [{ type: "ApiKey", scheme: "Authorization" }] },
  { name: "Mailjet", description: "Email delivery service.", categories: ["Marketing"], auth: [{ type: "Basic", name: "API Key and Secret Key" }] },
  { name: "BambooHR", description: "HR software for small and medium businesses.", categories: ["HR"], auth: [{ type: "ApiKey" }], properties: [{ target: "Subdomain", description: "Your BambooHR subdomain." }] },
  { name: "Personio", description: "HR software for SMEs.", categories: ["HR"], auth: [{ type: "OAuth2", oauth2: "ClientCredentials" }], properties: [{ target: "ClientId", name: "Client ID" }, { target: "ClientSecret", name: "Client Secret", sensitive: true }] },
  { name: "Salesloft", description: "Sales engagement platform.", categories: ["CRMs"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }] },
  { name: "Legacy CRM Connector", description: "An in-progress custom connector.", categories: ["CRMs"], auth: [{ type: "ApiKey" }], status: "Draft" },
  { name: "Airtable", description: "Spreadsheet-database hybrid.", categories: ["Productivity"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }, { type: "ApiKey", name: "Personal Access Token", scheme: "Authorization" }] },
  { name: "Acumatica", description: "Cloud ERP for growing businesses.", categories: ["ERP"], auth: [{ type: "OAuth2", oauth2: "PasswordCredentials" }], properties: [{ target: "InstanceUrl", name: "Instance URL" }, { target: "Username" }, { target: "Password", sensitive: true }, { target: "Tenant", optional: true }] },
  { name: "X (Twitter)", description: "Posts and timelines.", categories: ["Social"], auth: [{ type: "OAuth1" }] },
  // Added for fidelity (issue "closer to the real Cyclr API"): appended, so the ids above stay.
  { name: "Calendly", description: "Scheduling automation.", categories: ["Productivity"], auth: [{ type: "OAuth2", oauth2: "AuthorisationCode" }, { type: "ApiKey", name: "Personal Access Token", scheme: "Authorization" }], reportsDefaultAuth: true },
  { name: "Workday", description: "HR and finance cloud.", categories: ["HR", "ERP"], auth: [{ type: "OAuth2", oauth2: "ClientCredentials" }], properties: [{ target: "Tenant", description: "Your Workday tenant name." }] },
  { name: "Microsoft Dynamics NAV", description: "On-premises ERP.", categories: ["ERP"], auth: [{ type: "Kerberos" }], properties: [{ target: "ServerUrl", name: "Server URL", description: "Your NAV web services address." }] },
  { name: "Acme Orders (custom)", description: "Acme's own order API, built as a custom connector.", categories: ["Ecommerce"], auth: [{ type: "ApiKey" }], custom: true },
];

/** Names of the seeded connectors that are the partner's own custom connectors. */
export const CUSTOM_CONNECTORS: ReadonlySet<string> = new Set(SPECS.filter((spec) => spec.custom).map((spec) => spec.name));
/** Names of the seeded connectors whose account connectors report the default AuthType, not the method chosen. */
export const REPORTS_DEFAULT_AUTH: ReadonlySet<string> = new Set(SPECS.filter((spec) => spec.reportsDefaultAuth).map((spec) => spec.name));

/**
 * Catalog items in shapes this server must survive (oddItems): a null among Values, an object in
 * Categories, a Connector-less account connector, an Id that is not a number. Each is raw JSON.
 */
export function oddCatalogItems(): unknown[] {
  const base = build({ name: "Odd Values", description: "A null among allowed values.", categories: ["Odd"], auth: [{ type: "ApiKey" }], properties: [{ target: "Mode", values: ["a", "b"] }] }, 300_001);
  const odd: Record<string, unknown>[] = [
    // Loosened: a null value is skipped, so this one is listed.
    { ...base, Parameters: base.Parameters.map((p) => (p.Values ? { ...p, Values: [...p.Values, null] } : p)) },
    // Loosened: a {Name} category is taken for its name.
    { ...build({ name: "Odd Category Object", description: "Categories as objects.", categories: [], auth: [{ type: "None" }] }, 300_002), Categories: [{ Name: "Odd" }] },
    // Not readable: a category that is a number inside an object, an Id that is not an integer, no Id.
    { ...build({ name: "Odd Category Shape", description: "A category of no known shape.", categories: [], auth: [{ type: "None" }] }, 300_003), Categories: [{ Id: 4 }] },
    { ...build({ name: "Odd Id", description: "An Id that is not a number.", categories: ["Odd"], auth: [{ type: "None" }] }, 300_004), Id: "not-a-number" },
    { Name: "Odd No Id", Description: "No Id at all.", Categories: ["Odd"] },
  ];
  return odd;
}


/** The same kinds of connector-level parameters real connectors carry, which accounts may not set. */
const INTERNAL_PARAMETER: PropertySpec = { target: "EndpointUrl", name: "Endpoint URL", internal: true };

export const FIRST_CONNECTOR_ID = 1001;

function guid(seed: number): string {
  const hex = (seed * 2654435761).toString(16).padStart(8, "0").slice(-8);
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-a${hex.slice(4, 7)}-${hex}${hex.slice(0, 4)}`;
}

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A small real PNG (24x24, a gradient in the connector's colour), as the data URI Cyclr sends. */
function icon(seed: number): string {
  const size = 24;
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1);
    for (let x = 0; x < size; x++) {
      raw[row + 1 + x * 3] = (seed * 37 + x * 9) & 255;
      raw[row + 2 + x * 3] = (seed * 71 + y * 9) & 255;
      raw[row + 3 + x * 3] = (seed * 113 + x * y) & 255;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString("base64")}`;
}

function build(spec: ConnectorSpec, id: number, iconData: string = icon(id)): ConnectorFixture {
  const parameters = [...(spec.properties ?? []), INTERNAL_PARAMETER].map(
    (p, i): ParameterFixture => ({
      Id: id * 100 + i + 1,
      Name: p.name ?? p.target,
      Description: p.description ?? null,
      TargetName: p.target,
      TargetType: p.internal ? "HttpHeader" : "Script",
      DataType: "Text",
      TriggerName: null,
      IsAccountConnectorProperty: !p.internal,
      IsOptional: p.internal ? false : (p.optional ?? false),
      IsSensitive: p.sensitive ?? false,
      Values: p.values ?? null,
    }),
  );
  const methods = spec.auth.map(
    (a, i): AuthenticationFixture => ({
      Id: guid(id * 10 + i),
      AuthName: a.name ?? AUTH_NAMES[a.type],
      AuthDescription: a.type === "OAuth2" || a.type === "OAuth1" ? `Sign in to ${spec.name} to grant access.` : null,
      AuthType: a.type,
      // Cyclr fills OAuth2Type on every method, OAuth or not (api-notes §3).
      OAuth2Type: a.oauth2 ?? "AuthorisationCode",
      AuthScheme: a.scheme ?? null,
    }),
  );
  const primary = spec.auth[0] as AuthSpec;
  const connector: ConnectorFixture = {
    Id: id,
    Name: spec.name,
    Description: spec.description,
    Status: spec.status ?? "Approved",
    Version: spec.version ?? "1.0",
    Icon: iconData,
    AuthDescription: null,
    AuthType: primary.type,
    OAuth2Type: spec.legacy ? "Unknown" : (primary.oauth2 ?? "AuthorisationCode"),
    AuthScheme: primary.scheme ?? null,
    Categories: spec.categories,
    Parameters: parameters,
  };
  if (!spec.legacy) connector.Authentication = methods;
  return connector;
}

const EXTRA_CONNECTOR_ID = 200_000;

export function seedConnectors(synthetic = 0, extra: readonly ConnectorSpec[] = []): ConnectorFixture[] {
  const seeded = SPECS.map((spec, i) => build(spec, FIRST_CONNECTOR_ID + i));
  // A test's own connectors (a hostile name, say), numbered apart from the seeded ones.
  extra.forEach((spec, i) => seeded.push(build(spec, EXTRA_CONNECTOR_ID + i)));
  const kinds: AuthSpec[] = [{ type: "ApiKey" }, { type: "OAuth2", oauth2: "AuthorisationCode" }, { type: "Basic" }, { type: "None" }];
  const sharedIcon = icon(7);
  for (let i = 0; i < synthetic; i++) {
    const n = String(i + 1).padStart(5, "0");
    const connector = build(
      {
        name: `Synthetic Connector ${n}`,
        description: `Generated connector number ${i + 1} for scale tests.`,
        categories: [["CRMs", "Marketing", "Accounting", "Helpdesk"][i % 4] as string],
        auth: [kinds[i % kinds.length] as AuthSpec],
        properties: i % 3 === 0 ? [{ target: "Region", values: ["EU", "US"] }] : [],
      },
      100_000 + i,
      sharedIcon,
    );
    seeded.push(connector);
  }
  return seeded;
}
