import { Inject, Injectable, Logger } from '@nestjs/common';
import { ENV } from '@clearance/platform';
import type { DecisionSectionV1 } from '@clearance/contracts';
import type { IngestEnv } from '../ingest.env';

export type AuditLookup =
  | { status: 'decided'; decision: unknown }
  | { status: 'pending' }
  | { status: 'not-found' }
  | { status: 'not-configured' };

export class AuditUnavailableError extends Error {
  override readonly name = 'AuditUnavailableError';
}

/**
 * Reads one request from the audit store (`GET {AUDIT_URL}/v1/audit/requests/{id}` with an auditor token) for
 * requests this instance does not remember. Accepts the full decided event in `events[]`/`timeline[]`, a
 * `decision` section, or the flat projection (`outcome`, `reasons` codes, `policyId`...).
 */
@Injectable()
export class AuditClient {
  private readonly logger = new Logger(AuditClient.name);

  constructor(@Inject(ENV) private readonly env: IngestEnv) {}

  async lookup(client: string, requestId: string): Promise<AuditLookup> {
    if (!this.env.AUDIT_URL) return { status: 'not-configured' };
    const url = `${this.env.AUDIT_URL.replace(/\/$/, '')}/v1/audit/requests/${encodeURIComponent(requestId)}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          accept: 'application/json',
          ...(this.env.AUDIT_TOKEN ? { authorization: `Bearer ${this.env.AUDIT_TOKEN}` } : {}),
        },
        signal: AbortSignal.timeout(this.env.AUDIT_TIMEOUT_MS),
      });
    } catch (err) {
      throw new AuditUnavailableError(`audit store did not answer: ${(err as Error).message}`);
    }
    if (response.status === 404) return { status: 'not-found' };
    if (!response.ok) {
      this.logger.warn({ msg: 'audit lookup failed', status: response.status });
      throw new AuditUnavailableError(`audit store answered ${response.status}`);
    }
    return interpretAuditRecord(await response.json(), client);
  }
}

/** Reads the decision out of an audit answer; a request of another client is reported as not found. */
export function interpretAuditRecord(body: unknown, client: string): AuditLookup {
  const doc = asObject(body);
  const record = asObject(doc['record'] ?? doc['request'] ?? doc);
  const events = [doc['events'], doc['timeline'], record['events']].find(Array.isArray) as
    unknown[] | undefined;
  const decided = events?.map(asObject).find((e) => asObject(e['event'] ?? e)['decision'] !== undefined);
  const decidedEvent = decided ? asObject(decided['event'] ?? decided) : undefined;
  const owner =
    asObject(decidedEvent?.['request'])['client'] ??
    record['client'] ??
    asObject(record['request'])['client'] ??
    events
      ?.map((e) => asObject(asObject(asObject(e)['event'] ?? e)['request'])['client'])
      .find((c) => c !== undefined);
  if (owner !== undefined && owner !== client) return { status: 'not-found' };
  if (decidedEvent) return { status: 'decided', decision: decidedEvent['decision'] };
  if (record['decision'] !== undefined) return { status: 'decided', decision: record['decision'] };
  if (typeof record['outcome'] === 'string') {
    const reasons = Array.isArray(record['reasons']) ? record['reasons'] : [];
    const decision: Partial<DecisionSectionV1> = {
      outcome: record['outcome'] as DecisionSectionV1['outcome'],
      reasons: reasons.map((r: unknown) =>
        typeof r === 'string' ? { code: r, message: r } : (r as { code: string; message: string }),
      ),
      obligations: Array.isArray(record['obligations']) ? (record['obligations'] as string[]) : [],
      policy: {
        id: String(record['policyId'] ?? ''),
        version: String(record['policyVersion'] ?? ''),
        hash: String(record['policyHash'] ?? ''),
      },
      ...(typeof record['tier'] === 'string' ? { tier: record['tier'] } : {}),
      trace: [],
      ttlSeconds: typeof record['ttlSeconds'] === 'number' ? record['ttlSeconds'] : 0,
      latency: asObject(record['latency']) as DecisionSectionV1['latency'],
      decidedAt: String(record['decidedAt'] ?? ''),
    };
    return { status: 'decided', decision };
  }
  return { status: 'pending' };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
