/**
 * The looks a host gives a card through its host context: light and dark with no palette (the
 * card's own colours), and light and dark with a host palette (SEP-1865's style variables, a full
 * set as hosts send them, in the warm greys of a chat app rather than the card's cool ones).
 */
import type { McpUiHostContext, McpUiStyles } from "@modelcontextprotocol/ext-apps/app-bridge";

const base = { displayMode: "inline", platform: "web", locale: "en" } as const;

const HOST_LIGHT: Partial<McpUiStyles> = {
  "--color-background-primary": "#faf9f5",
  "--color-background-secondary": "#f0eee6",
  "--color-background-tertiary": "#e8e6dc",
  "--color-background-inverse": "#141413",
  "--color-text-primary": "#141413",
  "--color-text-secondary": "#5e5d59",
  "--color-text-tertiary": "#73726c",
  "--color-text-inverse": "#faf9f5",
  "--color-text-info": "#1f5aa6",
  "--color-text-danger": "#a8261b",
  "--color-text-success": "#2f6b22",
  "--color-text-warning": "#7a5000",
  "--color-border-primary": "#d1cfc5",
  "--color-ring-primary": "#2c84db",
  "--font-sans": "Georgia, 'Times New Roman', serif",
};

const HOST_DARK: Partial<McpUiStyles> = {
  "--color-background-primary": "#262624",
  "--color-background-secondary": "#30302e",
  "--color-background-tertiary": "#1f1e1d",
  "--color-background-inverse": "#faf9f5",
  "--color-text-primary": "#faf9f5",
  "--color-text-secondary": "#c2c0b6",
  "--color-text-tertiary": "#9c9a92",
  "--color-text-inverse": "#141413",
  "--color-text-info": "#8cb8ff",
  "--color-text-danger": "#ff9c8f",
  "--color-text-success": "#8fd18a",
  "--color-text-warning": "#f0c069",
  "--color-border-primary": "#4d4c48",
  "--color-ring-primary": "#5b9bf0",
  "--font-sans": "Georgia, 'Times New Roman', serif",
};

export interface Look {
  name: string;
  context: McpUiHostContext;
}

export const LIGHT: Look = { name: "light", context: { ...base, theme: "light" } };

export const LOOKS: readonly Look[] = [
  LIGHT,
  { name: "dark", context: { ...base, theme: "dark" } },
  { name: "host palette, light", context: { ...base, theme: "light", styles: { variables: HOST_LIGHT as McpUiStyles } } },
  { name: "host palette, dark", context: { ...base, theme: "dark", styles: { variables: HOST_DARK as McpUiStyles } } },
];

/** The host context of a look, with an empty palette where it has none (so that a card drops the earlier one). */
export function contextOf(look: Look): McpUiHostContext {
  return look.context.styles ? look.context : { ...look.context, styles: { variables: {} as McpUiStyles } };
}
