// Default import: calls go through the module object, so a spec can observe timingSafeEqual.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEV_API_KEY, DEV_CLIENT_NAME } from './dev-key';

/** One API key of a named client, stored as the SHA-256 of the key (the key itself is never kept). */
export interface ClientKey {
  name: string;
  sha256: Buffer;
  revoked: boolean;
}

export type AuthResult =
  { ok: true; client: string } | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'revoked' };

export interface ApiKeySources {
  /** `name:sha256hex,name2:sha256hex` */
  INGEST_API_KEYS?: string;
  /** JSON or YAML list of `{ name, sha256, revoked? }`. */
  INGEST_API_KEYS_FILE?: string;
  NODE_ENV?: string;
}

const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;

export function sha256(key: string): Buffer {
  return crypto.createHash('sha256').update(key, 'utf8').digest();
}

function clientKey(name: unknown, hash: unknown, revoked: unknown, where: string): ClientKey {
  if (typeof name !== 'string' || !CLIENT_NAME.test(name)) {
    throw new Error(`${where}: client name must match ${CLIENT_NAME.source}`);
  }
  if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) {
    throw new Error(`${where}: sha256 of client "${name}" must be 64 hex digits (the SHA-256 of the key)`);
  }
  if (revoked !== undefined && typeof revoked !== 'boolean') {
    throw new Error(`${where}: revoked of client "${name}" must be true or false`);
  }
  return { name, sha256: Buffer.from(hash, 'hex'), revoked: revoked === true };
}

export function parseKeyList(value: string): ClientKey[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const sep = entry.lastIndexOf(':');
      return clientKey(
        entry.slice(0, sep),
        sep < 0 ? undefined : entry.slice(sep + 1),
        undefined,
        'INGEST_API_KEYS',
      );
    });
}

export function parseKeyFile(text: string, where = 'INGEST_API_KEYS_FILE'): ClientKey[] {
  const doc: unknown = parseYaml(text);
  const list = Array.isArray(doc) ? doc : (doc as { clients?: unknown } | null)?.clients;
  if (!Array.isArray(list)) throw new Error(`${where}: expected a list of { name, sha256, revoked }`);
  return list.map((item: unknown, i) => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    return clientKey(o['name'], o['sha256'], o['revoked'], `${where}[${i}]`);
  });
}

/**
 * The API keys ingest accepts. A presented key is hashed and compared with every stored hash in constant time
 * (no early exit), so neither the comparison nor the loop tells how close a guess was.
 */
export class ApiKeyRegistry {
  constructor(
    private readonly keys: readonly ClientKey[],
    /** True when only the documented development key is configured. */
    readonly usesDevKey = false,
  ) {}

  static fromSources(
    sources: ApiKeySources,
    readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  ): ApiKeyRegistry {
    const keys: ClientKey[] = [];
    if (sources.INGEST_API_KEYS_FILE) {
      keys.push(...parseKeyFile(readFile(sources.INGEST_API_KEYS_FILE), sources.INGEST_API_KEYS_FILE));
    }
    if (sources.INGEST_API_KEYS) keys.push(...parseKeyList(sources.INGEST_API_KEYS));
    if (keys.length > 0) return new ApiKeyRegistry(keys);
    if (sources.NODE_ENV === 'production') {
      throw new Error(
        'INGEST_API_KEYS or INGEST_API_KEYS_FILE must configure at least one API key in production',
      );
    }
    return new ApiKeyRegistry([{ name: DEV_CLIENT_NAME, sha256: sha256(DEV_API_KEY), revoked: false }], true);
  }

  get clientCount(): number {
    return this.keys.length;
  }

  /** Checks an `Authorization` header value (`Bearer <key>`). */
  authenticate(authorization: string | undefined): AuthResult {
    if (authorization === undefined || authorization.trim() === '') return { ok: false, reason: 'missing' };
    const match = /^Bearer +([\x21-\x7e]{1,512}) *$/i.exec(authorization);
    if (match === null) return { ok: false, reason: 'malformed' };
    const presented = sha256(match[1]!);
    let found: ClientKey | undefined;
    for (const key of this.keys) {
      // Revoked wins over a live entry with the same hash: fail closed.
      if (crypto.timingSafeEqual(presented, key.sha256) && (found === undefined || key.revoked)) found = key;
    }
    if (found === undefined) return { ok: false, reason: 'unknown' };
    if (found.revoked) return { ok: false, reason: 'revoked' };
    return { ok: true, client: found.name };
  }
}
