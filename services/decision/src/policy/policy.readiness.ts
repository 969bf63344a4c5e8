import { Injectable } from '@nestjs/common';
import type { ReadinessCheck } from '@clearance/platform';
import { PolicyStore } from './policy.store';

/** Not ready while no valid policy was ever loaded (the service then denies everything with POLICY_UNAVAILABLE). */
@Injectable()
export class PolicyReadiness implements ReadinessCheck {
  readonly name = 'policy';

  constructor(private readonly store: PolicyStore) {}

  check(): Promise<void> {
    if (this.store.active.current) return Promise.resolve();
    return Promise.reject(
      new Error(`no valid policy loaded: ${this.store.active.lastError ?? 'not loaded yet'}`),
    );
  }
}
