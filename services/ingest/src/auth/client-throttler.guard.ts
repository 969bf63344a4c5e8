import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from './api-client.decorator';

/** Rate limit per API client (not per address: one client calls from many addresses behind its gateway). */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const client = (req as AuthenticatedRequest).clearanceClient;
    return client !== undefined ? `client:${client}` : `ip:${String(req['ip'])}`;
  }

  // The default hashes the key with SHA-256 on every request; client names are short and already safe keys.
  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    return `${context.getClass().name}:${context.getHandler().name}:${name}:${tracker}`;
  }
}
