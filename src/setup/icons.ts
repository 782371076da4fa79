/**
 * Connector icons as a card may show them: a base64 data URI of a raster or SVG image, within a
 * size, or nothing. A card's CSP allows images from data: only, and an <img> runs no script, but
 * what Cyclr sends is still checked here, so a card never receives a URL to fetch or a huge blob.
 */

/** Icons larger than this are left out: a card shows them at 40 px. */
export const MAX_ICON_CHARS = 256 * 1024;

const DATA_URI = /^data:image\/(png|jpeg|jpg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;

export function cardIcon(icon: string | undefined): string | undefined {
  if (icon === undefined || icon.length > MAX_ICON_CHARS) return undefined;
  const trimmed = icon.trim();
  return DATA_URI.test(trimmed) ? trimmed : undefined;
}
