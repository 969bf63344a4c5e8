import { createHash } from 'node:crypto';
import { AdminTokenGuard, adminFor, parseAdminTokens } from './admin-token.guard';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe(AdminTokenGuard.name, () => {
  const sut = parseAdminTokens(`alice:${sha('alice-secret')},bob:${sha('bob-secret')}`);

  it('names the admin whose token hashes to a configured entry', () => {
    expect(adminFor('bob-secret', sut)).toBe('bob');
    expect(adminFor('wrong', sut)).toBeUndefined();
  });

  it('reads a file with one entry per line and comments', () => {
    expect(parseAdminTokens(`# ops\ncarol:${sha('c')}\n\n`).map((t) => t.name)).toEqual(['carol']);
  });

  it('refuses malformed entries', () => {
    expect(() => parseAdminTokens('alice:notahash')).toThrow('name:sha256hex');
  });
});
