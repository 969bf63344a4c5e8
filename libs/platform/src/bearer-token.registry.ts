// Default import: calls go through the module object, so a spec can observe timingSafeEqual.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** One bearer token of a named holder, kept as the SHA-256 of the token (the token itself never is). */
export interface BearerCredential {
  name: string;
  sha256: Buffer;
  revoked: boolean;
}

export type BearerFailure = 'missing' | 'malformed' | 'unknown' | 'revoked';

export type BearerAuthResult = { ok: true; name: string } | { ok: false; reason: BearerFailure };

/** What differs between the holders of tokens (ingest clients, admins, auditors); the checking does not. */
export interface BearerRole {
  /** The inline variable (`name:sha256hex,...`), named in errors. */
  listVariable: string;
  /** The file variable, named in errors. */
  fileVariable: string;
  /**
   * `lines`: `name:sha256hex` entries separated by commas or newlines, `#` comment lines; `yaml`: a YAML or
   * JSON list (or `{ clients: [...] }`) of `{ name, sha256, revoked? }`.
   */
  fileFormat: 'lines' | 'yaml';
  /** What a holder's name must look like. */
  names: RegExp;
  /** Refuse a name listed twice (a role whose rotation adds the new token under a new name). */
  oneTokenPerName: boolean;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;
/** RFC 6750 `Bearer <token>`, the scheme case-insensitive (RFC 9110), a token of 1–512 visible ASCII characters. */
const BEARER = /^Bearer +([\x21-\x7e]{1,512}) *$/i;

export function hashBearerToken(token: string): Buffer {
  return crypto.createHash('sha256').update(token, 'utf8').digest();
}

/** The hex SHA-256 of a token: what an operator configures for it. */
export function bearerTokenHash(token: string): string {
  return hashBearerToken(token).toString('hex');
}

function credential(role: BearerRole, name: unknown, hash: unknown, revoked: unknown, where: string) {
  if (typeof name !== 'string' || !role.names.test(name))
    throw new Error(`${where}: the name must match ${role.names.source} (entries are name:sha256hex)`);
  if (typeof hash !== 'string' || !SHA256_HEX.test(hash))
    throw new Error(`${where}: the sha256 of "${name}" must be 64 hex digits (entries are name:sha256hex)`);
  if (revoked !== undefined && typeof revoked !== 'boolean')
    throw new Error(`${where}: revoked of "${name}" must be true or false`);
  return { name, sha256: Buffer.from(hash, 'hex'), revoked: revoked === true };
}

/** `name:sha256hex` entries separated by commas or newlines; blank entries and `#` comment lines ignored. */
export function parseBearerTokenList(
  role: BearerRole,
  text: string,
  where = role.listVariable,
): BearerCredential[] {
  return text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'))
    .map((entry, i) => {
      const sep = entry.lastIndexOf(':');
      const at = `${where}[${i}]`;
      return credential(
        role,
        sep < 0 ? entry : entry.slice(0, sep),
        sep < 0 ? undefined : entry.slice(sep + 1),
        undefined,
        at,
      );
    });
}

/** A YAML or JSON list (or `{ clients: [...] }`) of `{ name, sha256, revoked? }`. */
export function parseBearerTokenDocument(
  role: BearerRole,
  text: string,
  where = role.fileVariable,
): BearerCredential[] {
  const doc: unknown = parseYaml(text);
  const list = Array.isArray(doc) ? doc : (doc as { clients?: unknown } | null)?.clients;
  if (!Array.isArray(list)) throw new Error(`${where}: expected a list of { name, sha256, revoked }`);
  return list.map((item: unknown, i) => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    return credential(role, o['name'], o['sha256'], o['revoked'], `${where}[${i}]`);
  });
}

export interface BearerTokenSources {
  /** The inline list's value. */
  list?: string;
  /** The file's path. */
  file?: string;
}

/**
 * The tokens one role accepts. A presented token is hashed and compared with every stored hash in constant time
 * (no early exit), so neither the comparison nor the loop tells how close a guess was; a revoked entry wins over
 * a live one with the same hash (fail closed).
 */
export class BearerTokenRegistry {
  constructor(private readonly credentials: readonly BearerCredential[]) {}

  /** Reads a role's inline list and file (both may be given); throws naming the variable and the bad entry. */
  static fromSources(
    role: BearerRole,
    sources: BearerTokenSources,
    readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  ): BearerTokenRegistry {
    const credentials = [
      ...(sources.file
        ? role.fileFormat === 'yaml'
          ? parseBearerTokenDocument(role, readFile(sources.file), sources.file)
          : parseBearerTokenList(role, readFile(sources.file), sources.file)
        : []),
      ...(sources.list ? parseBearerTokenList(role, sources.list) : []),
    ];
    if (role.oneTokenPerName) {
      const seen = new Set<string>();
      for (const c of credentials) {
        if (seen.has(c.name))
          throw new Error(`${role.listVariable}/${role.fileVariable}: ${c.name} is listed twice`);
        seen.add(c.name);
      }
    }
    return new BearerTokenRegistry(credentials);
  }

  get size(): number {
    return this.credentials.length;
  }

  /** Checks an `Authorization` header value (`Bearer <token>`). */
  authenticate(authorization: string | undefined): BearerAuthResult {
    if (authorization === undefined || authorization.trim() === '') return { ok: false, reason: 'missing' };
    const match = BEARER.exec(authorization);
    if (match === null) return { ok: false, reason: 'malformed' };
    return this.check(match[1]!);
  }

  /** Checks a token as presented (no header around it). */
  check(token: string): BearerAuthResult {
    const presented = hashBearerToken(token);
    let found: BearerCredential | undefined;
    for (const c of this.credentials) {
      if (crypto.timingSafeEqual(presented, c.sha256) && (found === undefined || c.revoked)) found = c;
    }
    if (found === undefined) return { ok: false, reason: 'unknown' };
    if (found.revoked) return { ok: false, reason: 'revoked' };
    return { ok: true, name: found.name };
  }
}
