import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { EventTypes, Topics, type AccessDecidedV1, type AccessVerifiedV1 } from '@clearance/contracts';

export type ReplayEvent = AccessVerifiedV1 | AccessDecidedV1;

/** Where recorded events come from; read twice (a decided event supersedes the verified one of its request). */
export interface ReplaySource {
  records(): AsyncIterable<unknown>;
  close(): Promise<void>;
}

/** A parsed record, or undefined for anything that is not a verified or decided access event. */
export function asReplayEvent(record: unknown): ReplayEvent | undefined {
  let value = record;
  // The audit store keeps `{ topic | eventType, raw }` with the event JSON as a string.
  if (typeof value === 'object' && value !== null && 'raw' in value && typeof value.raw === 'string') {
    value = JSON.parse(value.raw) as unknown;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Partial<AccessDecidedV1>;
  if (typeof e.requestId !== 'string' || !e.request || !e.geo || !e.verification) return undefined;
  return e as ReplayEvent;
}

/** JSON Lines: one event (or audit record) per line; blank lines ignored. */
export class JsonlSource implements ReplaySource {
  constructor(private readonly path: string) {}

  async *records(): AsyncIterable<unknown> {
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity });
    let no = 0;
    for await (const line of lines) {
      no++;
      if (line.trim() === '') continue;
      try {
        yield JSON.parse(line) as unknown;
      } catch (err) {
        throw new Error(`${this.path}:${no}: not JSON: ${(err as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {}
}

/** The audit store (MONGODB_URI): verified and decided events of the `audit_events` collection. */
export class AuditStoreSource implements ReplaySource {
  private connection?: import('mongoose').Connection;
  private readonly filter = {
    eventType: { $in: [EventTypes[Topics.AccessVerified], EventTypes[Topics.AccessDecided]] },
  };

  constructor(
    private readonly uri: string,
    private readonly collection = 'audit_events',
  ) {}

  private async db() {
    if (!this.connection) {
      const mongoose = await import('mongoose');
      this.connection = await mongoose
        .createConnection(this.uri, { serverSelectionTimeoutMS: 10_000 })
        .asPromise();
    }
    return this.connection.db!.collection(this.collection);
  }

  async *records(): AsyncIterable<unknown> {
    const cursor = (await this.db())
      .find(this.filter, { projection: { _id: 0, raw: 1, eventType: 1 } })
      .batchSize(1000);
    for await (const doc of cursor) yield doc;
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }
}
