import mongoose from 'mongoose';
import { type TopicName, Topics } from '@clearance/contracts';
import { pollUntil } from '@clearance/testing';

const PIPELINE: readonly TopicName[] = [
  Topics.AccessRequested,
  Topics.AccessGeolocated,
  Topics.AccessVerified,
  Topics.AccessDecided,
];

export interface AuditStoreReport {
  /** accepted requests without an event of every stage in the store */
  incomplete: string[];
  /** (requestId, topic) pairs stored more than once, i.e. one stage's output stored under two event ids */
  duplicated: string[];
  events: number;
}

/** Reads the audit service's event store directly (read-only) and checks it against the accepted requests. */
export async function auditStoreReport(
  mongoUri: string,
  prefix: string,
  accepted: readonly string[],
): Promise<AuditStoreReport> {
  const conn = await mongoose.createConnection(mongoUri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const docs = await conn
      .db!.collection<{ _id: string; requestId?: string; topic: string }>('audit_events')
      .find({}, { projection: { _id: 1, requestId: 1, topic: 1 } })
      .toArray();
    const counts = new Map<string, number>();
    for (const d of docs) {
      const key = `${d.requestId}|${d.topic.startsWith(prefix) ? d.topic.slice(prefix.length) : d.topic}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return {
      incomplete: accepted.filter((id) => PIPELINE.some((t) => !counts.has(`${id}|${t}`))),
      duplicated: [...counts].filter(([k, n]) => n > 1 && !k.endsWith(Topics.DeadLetter)).map(([k]) => k),
      events: docs.length,
    };
  } finally {
    await conn.close();
  }
}

/** Waits until the audit store holds every stage's event of every accepted request, then reports it. */
export async function auditStoreCaughtUp(
  mongoUri: string,
  prefix: string,
  accepted: readonly string[],
  // FerretDB (SQLite) updates a request record by scanning the collection: the audit store trails the decisions
  timeoutMs = 300_000,
): Promise<AuditStoreReport> {
  let last: AuditStoreReport | undefined;
  await pollUntil(
    async () => {
      last = await auditStoreReport(mongoUri, prefix, accepted);
      return last.incomplete.length === 0;
    },
    {
      timeoutMs,
      intervalMs: 1000,
      what: `the audit store to hold every request (${last?.incomplete.length} missing)`,
    },
  );
  return last!;
}
