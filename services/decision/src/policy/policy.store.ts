import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ENV } from '@clearance/platform';
import { DEFAULT_POLICY_PATH } from '@clearance/policy';
import { DecisionEnv } from '../decision.env';
import { WatchedPolicy } from './watched-policy';

/** The enforced policy and the optional shadow policy, each hot-reloaded from its file. */
@Injectable()
export class PolicyStore implements OnModuleInit, OnModuleDestroy {
  readonly active: WatchedPolicy;
  readonly shadow?: WatchedPolicy;

  constructor(@Inject(ENV) env: DecisionEnv) {
    this.active = new WatchedPolicy(
      'active',
      env.POLICY_PATH ?? DEFAULT_POLICY_PATH,
      env.POLICY_WATCH_INTERVAL_MS,
    );
    if (env.SHADOW_POLICY_PATH) {
      this.shadow = new WatchedPolicy('shadow', env.SHADOW_POLICY_PATH, env.POLICY_WATCH_INTERVAL_MS);
    }
  }

  onModuleInit(): void {
    this.active.start();
    this.shadow?.start();
  }

  onModuleDestroy(): void {
    this.active.stop();
    this.shadow?.stop();
  }
}
