import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import {
  AUDIT_EVENT_MODEL,
  AuditEventRepository,
  CHAIN_HEAD_MODEL,
} from '../src/store/events/audit-event.repository';
import { AuditEventSchema } from '../src/store/events/audit-event.schema';
import { AUDITOR_CALL_LOG_MODEL, AuditorCallLogRepository } from '../src/store/auditor-call-log.repository';
import { AuditorCallLogSchema } from '../src/store/auditor-call-log.schema';
import { AuditStore } from '../src/store/audit.store';
import { ChainHeadSchema } from '../src/store/chain/chain-head.schema';
import { QUARANTINE_MODEL, QuarantineRepository } from '../src/store/events/quarantine.repository';
import { QuarantineSchema } from '../src/store/events/quarantine.schema';
import {
  REQUEST_RECORD_MODEL,
  RequestRecordRepository,
} from '../src/store/projection/request-record.repository';
import { RequestRecordSchema } from '../src/store/projection/request-record.schema';

/**
 * The store's repositories over a fresh database of the real server (FerretDB locally, MongoDB in production).
 * With `keep`, the database is the one named `dbPrefix` itself and close() leaves it in place (a benchmark's filled
 * collection, reused between runs).
 */
export interface StoreHarness {
  connection: Connection;
  events: AuditEventRepository;
  requests: RequestRecordRepository;
  quarantine: QuarantineRepository;
  auditorCallLog: AuditorCallLogRepository;
  store: AuditStore;
  close(): Promise<void>;
}

export function mongoUriFor(dbName: string): string {
  const base = process.env['MONGODB_URI'] ?? 'mongodb://127.0.0.1:27018/';
  const url = new URL(base);
  url.pathname = `/${dbName}`;
  return url.toString();
}

export async function openStoreHarness(
  dbPrefix = 'audit_test',
  { keep = false }: { keep?: boolean } = {},
): Promise<StoreHarness> {
  const dbName = keep ? dbPrefix : `${dbPrefix}_${randomUUID().slice(0, 8)}`;
  const connection = await mongoose
    .createConnection(mongoUriFor(dbName), {
      bufferCommands: false,
      autoIndex: false,
      serverSelectionTimeoutMS: 5000,
    })
    .asPromise();
  const events = new AuditEventRepository(
    connection.model(AUDIT_EVENT_MODEL, AuditEventSchema),
    connection.model(CHAIN_HEAD_MODEL, ChainHeadSchema),
  );
  const requests = new RequestRecordRepository(connection.model(REQUEST_RECORD_MODEL, RequestRecordSchema));
  const quarantine = new QuarantineRepository(connection.model(QUARANTINE_MODEL, QuarantineSchema));
  const auditorCallLog = new AuditorCallLogRepository(
    connection.model(AUDITOR_CALL_LOG_MODEL, AuditorCallLogSchema),
  );
  await Promise.all([
    events.ensureIndexes(),
    requests.ensureIndexes(),
    quarantine.ensureIndexes(),
    auditorCallLog.ensureIndexes(),
  ]);
  const store = new AuditStore(events, requests, quarantine);
  return {
    connection,
    events,
    requests,
    quarantine,
    auditorCallLog,
    store,
    close: async () => {
      if (!keep) await connection.dropDatabase();
      await connection.close();
    },
  };
}
