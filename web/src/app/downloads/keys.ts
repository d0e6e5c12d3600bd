/**
 * ClearKey keys of a download, kept by the app itself: Chromium's ClearKey CDM does not keep
 * persistent sessions, so the licence's keys are stored with the download (IndexedDB) and
 * handed to Shaka as `drm.clearKeys` to play offline (docs/downloads.md).
 */

/** Key id (32 hex digits) → key (32 hex digits), as Shaka's `drm.clearKeys` takes them. */
export type ClearKeys = Record<string, string>;

export interface JsonWebKey {
  kid: string;
  k: string;
}

/** The key ids a DASH manifest's content protection names (`cenc:default_KID`), as hex. */
export function manifestKeyIds(mpd: string): string[] {
  const found = mpd.matchAll(/default_KID\s*=\s*"([0-9a-fA-F-]{32,36})"/g);
  return [...new Set([...found].map((match) => match[1].replaceAll('-', '').toLowerCase()))];
}

/** The licence's JSON Web Keys as Shaka's `drm.clearKeys` map. */
export function clearKeys(keys: JsonWebKey[]): ClearKeys {
  return Object.fromEntries(keys.map((key) => [base64UrlToHex(key.kid), base64UrlToHex(key.k)]));
}

export function hexToBase64Url(hex: string): string {
  const bytes = hex.match(/../g)?.map((pair) => String.fromCharCode(parseInt(pair, 16))) ?? [];
  return btoa(bytes.join('')).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function base64UrlToHex(value: string): string {
  const padded = value.replaceAll('-', '+').replaceAll('_', '/');
  return [...atob(padded + '='.repeat((4 - (padded.length % 4)) % 4))]
    .map((char) => char.charCodeAt(0).toString(16).padStart(2, '0'))
    .join('');
}
