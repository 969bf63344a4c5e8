import { randomUUID } from 'node:crypto';
import type { Pipeline } from './pipeline.harness';

export interface WaveResult {
  /** requestIds answered 202 (accepted: the broker acknowledged them). */
  accepted: string[];
  /** HTTP status of each batch call, in order. */
  statuses: number[];
}

type BatchAnswer = { results: { status: number; body: { requestId?: string } }[] };

/** One access request of the load: a standard-model request from a US address. */
export function loadRequest(tag: string): Record<string, unknown> {
  return {
    requestId: `${tag}-${randomUUID()}`,
    subject: { userId: `load-${tag}`, name: 'Jane Example' },
    network: { ip: '71.192.0.1' },
    resource: { model: 'standard-1', action: 'inference' },
  };
}

/**
 * Sends `batches` batch calls of `size` requests through ingest's batch endpoint, `pauseMs` apart, so the load
 * is spread over time and a fault can land in its middle. A failed call (503, connection refused) is recorded,
 * not thrown: what counts is which requests were accepted.
 */
export async function sendWave(
  pipeline: Pipeline,
  tag: string,
  { batches, size, pauseMs = 0 }: { batches: number; size: number; pauseMs?: number },
): Promise<WaveResult> {
  const result: WaveResult = { accepted: [], statuses: [] };
  for (let i = 0; i < batches; i++) {
    const requests = Array.from({ length: size }, () => loadRequest(tag));
    try {
      const res = await pipeline.ingest('/v1/access-requests/batch', { requests });
      result.statuses.push(res.status);
      if (res.status === 200) {
        const answer = (await res.json()) as BatchAnswer;
        for (const r of answer.results)
          if (r.status === 202 && r.body.requestId) result.accepted.push(r.body.requestId);
      } else {
        await res.arrayBuffer();
      }
    } catch {
      result.statuses.push(0);
    }
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return result;
}
