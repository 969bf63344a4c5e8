import { Inject, Injectable, Logger } from '@nestjs/common';
import { ENV } from '@clearance/platform';
import {
  Topics,
  validateEvent,
  type AccessRequestedV1,
  type DecisionSectionV1,
  type RequestTimelineV1,
} from '@clearance/contracts';
import type { IngestEnv } from '../ingest.env';

export type AuditLookup =
  | { status: 'decided'; decision: DecisionSectionV1 }
  | { status: 'pending'; problems?: string[] }
  | { status: 'not-found' }
  | { status: 'not-configured' };

export class AuditUnavailableError extends Error {
  override readonly name = 'AuditUnavailableError';
}

/**
 * Reads one request from the audit store (`GET {AUDIT_URL}/v1/audit/requests/{id}` with an auditor token, a
 * `RequestTimelineV1`) for requests this instance does not remember.
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
    const body: unknown = await response.json();
    if (!isTimeline(body))
      throw new AuditUnavailableError('audit store answered something other than a timeline');
    const lookup = lookupOfTimeline(body, client);
    if (lookup.status === 'pending' && lookup.problems)
      this.logger.warn({ msg: 'stored decision failed validation', requestId, problems: lookup.problems });
    return lookup;
  }
}

/**
 * Reads the decision out of the auditor API's timeline: the request's decided event, validated against its topic
 * like every consumed event. A request of another client is reported as not found; a decided event that does not
 * validate is not a decision (pending, fail closed).
 */
export function lookupOfTimeline(timeline: RequestTimelineV1, client: string): AuditLookup {
  // an event the store holds is unchecked here (it may even be null): read its client defensively
  const owner =
    timeline.record?.client ??
    timeline.events
      .map((e) => (e.event as Partial<AccessRequestedV1> | null)?.request?.client)
      .find((c) => c);
  if (owner !== undefined && owner !== client) return { status: 'not-found' };
  const decided = timeline.events.find((e) => e.topic === Topics.AccessDecided);
  if (decided === undefined) return { status: 'pending' };
  const parsed = validateEvent(Topics.AccessDecided, decided.event);
  if (!parsed.ok) return { status: 'pending', problems: parsed.details };
  if (parsed.event.request.client !== client) return { status: 'not-found' };
  return { status: 'decided', decision: parsed.event.decision };
}

function isTimeline(body: unknown): body is RequestTimelineV1 {
  return typeof body === 'object' && body !== null && Array.isArray((body as RequestTimelineV1).events);
}
