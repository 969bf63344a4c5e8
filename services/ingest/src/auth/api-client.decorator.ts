import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The request as the guards leave it: the authenticated client's name attached. */
export interface AuthenticatedRequest {
  clearanceClient?: string;
}

/** The name of the API client that sent the request (set by ApiKeyGuard). */
export const ApiClient = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const client = ctx.switchToHttp().getRequest<AuthenticatedRequest>().clearanceClient;
  // ApiKeyGuard runs first on every route using this decorator; a missing client is a wiring bug.
  if (client === undefined) throw new Error('ApiClient used on a route without ApiKeyGuard');
  return client;
});
