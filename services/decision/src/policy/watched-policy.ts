import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { Logger } from '@nestjs/common';
import { loadPolicyFile, type CompiledPolicy } from '@clearance/policy';
import { registeredMetric } from '@clearance/platform';
import { Counter, Gauge } from 'prom-client';

export type PolicySlot = 'active' | 'shadow';

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
  private policy?: CompiledPolicy;
  private error?: string;
  private watched = new Set<string>();
  private readonly onChange = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size || curr.ino !== prev.ino) this.reload();
  };

  constructor(
    readonly slot: PolicySlot,
    readonly path: string,
    private readonly intervalMs: number,
  ) {}

  /** The version in force, or undefined if no valid version was ever loaded. */
  get current(): CompiledPolicy | undefined {
    return this.policy;
  }

  /** Why the last load failed (cleared by a successful load). */
  get lastError(): string | undefined {
    return this.error;
  }

  start(): void {
    this.reload();
    if (this.watched.size === 0) this.watch([this.path]);
  }

  stop(): void {
    for (const f of this.watched) unwatchFile(f, this.onChange);
    this.watched.clear();
  }

  /** Loads the file now; returns true when a new version is in force. */
  reload(): boolean {
    try {
      const { policy, files } = loadPolicyFile(this.path);
      this.watch(files);
      const old = this.policy;
      if (old && old.ref.hash === policy.ref.hash && sameDatasets(old, policy)) return false;
      this.policy = policy;
      this.error = undefined;
      reloads.inc({ slot: this.slot, result: 'loaded' });
      if (old)
        loaded.remove({ slot: this.slot, id: old.ref.id, version: old.ref.version, hash: old.ref.hash });
      loaded.set(
        { slot: this.slot, id: policy.ref.id, version: policy.ref.version, hash: policy.ref.hash },
        1,
      );
      this.logger.log(
        `${this.slot} policy ${policy.ref.id}@${policy.ref.version} (sha256 ${policy.ref.hash.slice(0, 12)}) in force` +
          (old ? `, replacing ${old.ref.version} (${old.ref.hash.slice(0, 12)})` : '') +
          ` from ${this.path}`,
      );
      return true;
    } catch (err) {
      this.error = (err as Error).message;
      reloads.inc({ slot: this.slot, result: 'rejected' });
      this.logger.error(
        `${this.slot} policy rejected, ${
          this.policy
            ? `${this.policy.ref.id}@${this.policy.ref.version} stays in force`
            : 'no policy in force'
        }: ${this.error}`,
      );
      return false;
    }
  }

  private watch(files: string[]): void {
    const next = new Set(files);
    for (const f of this.watched) if (!next.has(f)) unwatchFile(f, this.onChange);
    for (const f of next)
      if (!this.watched.has(f)) watchFile(f, { interval: this.intervalMs, persistent: false }, this.onChange);
    this.watched = next;
  }
}

function sameDatasets(a: CompiledPolicy, b: CompiledPolicy): boolean {
  return JSON.stringify(a.ref.datasets ?? []) === JSON.stringify(b.ref.datasets ?? []);
}
