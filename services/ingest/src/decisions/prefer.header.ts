/** The preferences of an RFC 7240 `Prefer` header that ingest acts on. */
export interface Preferences {
  /** Seconds the caller is willing to wait for the decision, capped at the server's maximum. */
  waitSeconds?: number;
  respondAsync: boolean;
}

export const MAX_WAIT_SECONDS = 10;

/**
 * Parses `Prefer` (RFC 7240 section 2): comma-separated preferences, each `token[=value]` with optional
 * `;parameters`; the first instance of a preference counts; what is not understood is ignored.
 */
export function parsePrefer(
  header: string | string[] | undefined,
  maxWaitSeconds = MAX_WAIT_SECONDS,
): Preferences {
  const out: Preferences = { respondAsync: false };
  if (header === undefined) return out;
  const seen = new Set<string>();
  const raw = Array.isArray(header) ? header.join(',') : header;
  for (const item of raw.split(',')) {
    const [pref = ''] = item.split(';');
    const eq = pref.indexOf('=');
    const name = (eq < 0 ? pref : pref.slice(0, eq)).trim().toLowerCase();
    if (name === '' || seen.has(name)) continue;
    seen.add(name);
    const value = eq < 0 ? undefined : unquote(pref.slice(eq + 1).trim());
    if (name === 'respond-async') out.respondAsync = true;
    if (name === 'wait' && value !== undefined && /^\d{1,9}$/.test(value)) {
      out.waitSeconds = Math.min(Number(value), maxWaitSeconds);
    }
  }
  return out;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
