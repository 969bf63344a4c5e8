import { Logger } from '@nestjs/common';
import { loadPolicyFile, type CompiledPolicy } from '@clearance/policy';
import { registeredMetric, ReloadingSnapshot } from '@clearance/platform';
import { Counter, Gauge } from 'prom-client';

export type PolicySlot = 'active' | 'shadow';

type LoadedPolicy = ReturnType<typeof loadPolicyFile>;

const reloads = registeredMetric(Counter, {
  name: 'clearance_policy_reloads_total',
  help: 'Policy (re)loads by slot and result (loaded, rejected)',
  labelNames: ['slot', 'result'],
});
const loaded = registeredMetric(Gauge, {
  name: 'clearance_policy_info',
  help: 'The policy in force per slot (value 1), by id, version and hash',
  labelNames: ['slot', 'id', 'version', 'hash'],
});

/**
 * One policy file kept compiled and current: reloaded when it or an import changes. A new version replaces
 * the old one in a single assignment, so every evaluation sees exactly one version; an invalid file is
 * rejected with its line and reason and the previous version stays in force.
 */
export class WatchedPolicy {
  private readonly logger = new Logger(WatchedPolicy.name);
  private readonly snapshot: ReloadingSnapshot<LoadedPolicy>;

  constructor(
    readonly slot: PolicySlot,
    readonly path: string,
    private readonly intervalMs: number,
  ) {
    this.snapshot = new ReloadingSnapshot<LoadedPolicy>({
      name: `policy:${slot}`,
      files: [path],
      filesOf: (loaded) => loaded.files,
      load: () => loadPolicyFile(path),
      same: (a, b) => a.policy.ref.hash === b.policy.ref.hash && sameDatasets(a.policy, b.policy),
      onSwap: (next, old) => this.inForce(next.policy, old?.policy),
      onReject: () => this.rejected(),
      logger: this.logger,
    });
  }

  /** The version in force, or undefined if no valid version was ever loaded. */
  get current(): CompiledPolicy | undefined {
    return this.snapshot.current?.policy;
  }

  /** Why the last load failed (cleared by a successful load). */
  get lastError(): string | undefined {
    return this.snapshot.lastError;
  }

  start(): void {
    this.reload();
    this.snapshot.watch(this.intervalMs);
  }

  stop(): void {
    this.snapshot.stop();
  }

  /** Loads the file now; returns true when a new version is in force. */
  reload(): boolean {
    return this.snapshot.reloadSync();
  }

  private inForce(policy: CompiledPolicy, old: CompiledPolicy | undefined): void {
    reloads.inc({ slot: this.slot, result: 'loaded' });
    if (old) loaded.remove({ slot: this.slot, id: old.ref.id, version: old.ref.version, hash: old.ref.hash });
    loaded.set({ slot: this.slot, id: policy.ref.id, version: policy.ref.version, hash: policy.ref.hash }, 1);
    this.logger.log(
      `${this.slot} policy ${policy.ref.id}@${policy.ref.version} (sha256 ${policy.ref.hash.slice(0, 12)}) in force` +
        (old ? `, replacing ${old.ref.version} (${old.ref.hash.slice(0, 12)})` : '') +
        ` from ${this.path}`,
    );
  }

  private rejected(): void {
    reloads.inc({ slot: this.slot, result: 'rejected' });
    const policy = this.current;
    this.logger.error(
      `${this.slot} policy rejected, ${
        policy ? `${policy.ref.id}@${policy.ref.version} stays in force` : 'no policy in force'
      }: ${this.lastError}`,
    );
  }
}

function sameDatasets(a: CompiledPolicy, b: CompiledPolicy): boolean {
  return JSON.stringify(a.ref.datasets ?? []) === JSON.stringify(b.ref.datasets ?? []);
}
