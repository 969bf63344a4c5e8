import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildAsyncApiDocument } from './asyncapi';
import { ALL_TOPICS } from './topics';

describe('AsyncAPI document', () => {
  const committed = parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'asyncapi.yaml'), 'utf8'));

  it('matches the event classes (regenerate with `npm run asyncapi`)', () => {
    expect(committed).toEqual(buildAsyncApiDocument());
  });

  it('describes every topic with a payload schema', () => {
    const addresses = Object.values(committed.channels as Record<string, { address: string }>).map(
      (c) => c.address,
    );
    expect(addresses.sort()).toEqual([...ALL_TOPICS].sort());
    expect(committed.components.schemas.AccessDecidedV1.required).toEqual(
      expect.arrayContaining(['eventId', 'requestId', 'request', 'geo', 'verification', 'decision']),
    );
  });
});
