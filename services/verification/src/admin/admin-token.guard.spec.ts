import { bearerTokenHash } from '@clearance/platform';
import type { ExecutionContext } from '@nestjs/common';
import type { VerificationEnv } from '../verification.env';
import { AdminTokenGuard, type AdminRequest } from './admin-token.guard';

const sha = bearerTokenHash;

function contextOf(request: Partial<AdminRequest>): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

describe(AdminTokenGuard.name, () => {
  const sut = new AdminTokenGuard({
    ADMIN_TOKENS: `alice:${sha('alice-secret')},bob:${sha('bob-secret')}`,
  } as VerificationEnv);

  it('names the admin whose token hashes to a configured entry', async () => {
    const request: Partial<AdminRequest> = { headers: { authorization: 'Bearer bob-secret' } };
    await expect(sut.canActivate(contextOf(request))).resolves.toBe(true);
    expect(request.admin).toBe('bob');
    await expect(sut.canActivate(contextOf({ headers: { authorization: 'Bearer wrong' } }))).rejects.toThrow(
      'a valid admin bearer token is required',
    );
  });

  it('refuses malformed entries', () => {
    expect(() => new AdminTokenGuard({ ADMIN_TOKENS: 'alice:notahash' } as VerificationEnv)).toThrow(
      'name:sha256hex',
    );
  });
});
