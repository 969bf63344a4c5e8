import { createHash, timingSafeEqual } from 'node:crypto';

export interface AuditorCredential {
  name: string;
  /** SHA-256 of the bearer token: the service never holds the tokens themselves. */
  sha256: Buffer;
}

/**
 * Parses `name:sha256hex` entries separated by commas or newlines (`#` starts a comment line), as given in
 * AUDITOR_TOKENS or the file AUDITOR_TOKENS_FILE. Throws naming the bad entry.
 */
export function parseAuditorTokens(text: string): AuditorCredential[] {
  const out: AuditorCredential[] = [];
  for (const entry of text.split(/[,\n]/).map((e) => e.trim())) {
    if (entry === '' || entry.startsWith('#')) continue;
    const m = /^([A-Za-z0-9._@-]{1,64}):([0-9a-fA-F]{64})$/.exec(entry);
    if (!m) throw new Error(`auditor token entry "${entry.slice(0, 24)}…" is not name:sha256hex`);
    if (out.some((c) => c.name === m[1])) throw new Error(`auditor ${m[1]} is listed twice`);
    out.push({ name: m[1]!, sha256: Buffer.from(m[2]!, 'hex') });
  }
  return out;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The auditors and their token hashes; checks a presented token in constant time. */
export class AuditorTokens {
  constructor(private readonly credentials: readonly AuditorCredential[]) {}

  get size(): number {
    return this.credentials.length;
  }

  /** The auditor's name, or undefined. Compares against every entry so the time does not depend on which matched. */
  authenticate(token: string): string | undefined {
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let match: string | undefined;
    for (const c of this.credentials)
      if (timingSafeEqual(presented, c.sha256) && match === undefined) match = c.name;
    return match;
  }
}
