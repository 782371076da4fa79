/** What the connector picker shows, from a list_connectors result: pure, unit-tested in Node. */

export interface PickerConnector {
  id: number;
  name: string;
  description?: string;
  authTypes: string[];
  categories: string[];
}

export interface PickerList {
  accountId: string;
  connectors: PickerConnector[];
  total: number;
  hasMore: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

export function readConnectorList(value: unknown): PickerList | undefined {
  if (!isRecord(value) || typeof value.accountId !== "string" || !Array.isArray(value.connectors)) return undefined;
  const connectors: PickerConnector[] = [];
  for (const entry of value.connectors) {
    if (!isRecord(entry) || typeof entry.id !== "number" || typeof entry.name !== "string") continue;
    connectors.push({
      id: entry.id,
      name: entry.name,
      ...(typeof entry.description === "string" && { description: entry.description }),
      authTypes: strings(entry.authTypes),
      categories: strings(entry.categories),
    });
  }
  return { accountId: value.accountId, connectors, total: typeof value.total === "number" ? value.total : connectors.length, hasMore: value.hasMore === true };
}

function fold(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The filter box: every word typed must appear in the name, a category or an auth type. */
export function filterConnectors(connectors: readonly PickerConnector[], filter: string): PickerConnector[] {
  const words = fold(filter).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...connectors];
  return connectors.filter((c) => {
    const haystack = fold([c.name, ...c.categories, ...c.authTypes].join(" "));
    return words.every((word) => haystack.includes(word));
  });
}

/** How a connector's sign-in reads on its card. */
export function describeAuth(authTypes: readonly string[]): string {
  const words: Record<string, string> = { ApiKey: "API key", Basic: "Username and password", OAuth1: "Sign-in (OAuth)", OAuth2: "Sign-in (OAuth)", None: "No sign-in", AuthFields: "Settings" };
  const described = [...new Set(authTypes.map((t) => words[t] ?? t))];
  return described.join(" or ") || "Sign-in unknown";
}
