import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { openReader, type MmdbReader } from '../city.database';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `name@version` of the npm data package a file ships in, if it does. */
export function packageOf(file: string): string | undefined {
  const pkg = join(dirname(file), 'package.json');
  if (!existsSync(pkg)) return undefined;
  const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
  return json.name && json.version ? `${json.name}@${json.version}` : undefined;
}

function buildDate(reader: MmdbReader): string {
  return reader.metadata.buildEpoch.toISOString().replace('.000Z', 'Z');
}

/** Opens an `.mmdb` file; its version names the database type, build date and npm package. */
export async function openMmdb(file: string): Promise<{ reader: MmdbReader; version: string }> {
  const reader = openReader(await readFile(file));
  const pkg = packageOf(file);
  const meta = reader.metadata;
  return { reader, version: `${meta.databaseType} build ${buildDate(reader)}${pkg ? `; ${pkg}` : ''}` };
}
