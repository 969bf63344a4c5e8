import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { ACCESS_TOPICS, Topics } from '@clearance/contracts';
import {
  aRequestChain,
  TestKafka,
  freePorts,
  pollUntil,
  spawnService,
  uniqueTopicPrefix,
  type ServiceProcess,
} from '@clearance/testing';
import { bearerTokenHash as hashToken } from '@clearance/platform';
import { AuditApiClient } from './audit-api.client';

const INFRA = join(__dirname, '..', '..', '..', 'deploy', 'local', 'infra.sh');

/**
 * The database stopped and restarted while events keep coming: the consumer pauses, commits nothing unwritten,
 * and catches up with nothing lost or doubled. Uses a FerretDB of its own (same script, own state dir and ports)
 * so that stopping it does not pull the database from under the other test files.
 */
describe('audit service across a database outage', () => {
  const prefix = uniqueTopicPrefix('audit-outage');
  const kafka = new TestKafka();
  const stateDir = mkdtempSync(join(tmpdir(), 'audit-outage-'));
  const token = `auditor-${randomUUID()}`;
  let ferretEnv: NodeJS.ProcessEnv;
  let mongoUri: string;
  let service: ServiceProcess;

  const infra = (command: 'start-mongo' | 'stop-mongo') =>
    execFileSync('bash', [INFRA, command, 'test'], { env: ferretEnv, stdio: ['ignore', 'ignore', 'pipe'] });

  beforeAll(async () => {
    const [mongoPort, debugPort] = await freePorts(2);
    ferretEnv = {
      ...process.env,
      CLEARANCE_STATE_DIR: stateDir,
      CLEARANCE_MONGO_PORT: String(mongoPort),
      CLEARANCE_FERRET_DEBUG_PORT: String(debugPort),
    };
    mongoUri = `mongodb://127.0.0.1:${mongoPort}/audit_outage`;
    infra('start-mongo');
    await kafka.createTopics(prefix, ACCESS_TOPICS);
    service = await spawnService('audit', {
      env: {
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_GROUP_ID: `clearance-audit-${prefix}`,
        MONGODB_URI: mongoUri,
        AUDITOR_TOKENS: `carol:${hashToken(token)}`,
      },
    });
    await service.waitReady();
  });

  afterAll(async () => {
    await service?.stop();
    await kafka.disconnect();
    if (ferretEnv) infra('stop-mongo');
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function countStored(): Promise<{ events: number; decided: number }> {
    const conn = await mongoose.createConnection(mongoUri, { serverSelectionTimeoutMS: 2000 }).asPromise();
    try {
      return {
        events: await conn.collection('audit_events').countDocuments({}),
        decided: await conn.collection('audit_requests').countDocuments({ outcome: 'allow', country: 'US' }),
      };
    } finally {
      await conn.close();
    }
  }

  async function publish(n: number): Promise<void> {
    const chains = Array.from({ length: n }, () => aRequestChain({ requestedAt: new Date() }));
    await kafka.produce(
      prefix,
      Topics.AccessRequested,
      chains.map((c) => c.requested),
    );
    await kafka.produce(
      prefix,
      Topics.AccessGeolocated,
      chains.map((c) => c.geolocated),
    );
    await kafka.produce(
      prefix,
      Topics.AccessVerified,
      chains.map((c) => c.verified),
    );
    await kafka.produce(
      prefix,
      Topics.AccessDecided,
      chains.map((c) => c.decided),
    );
  }

  it('pauses while the database is down and stores everything once it is back', async () => {
    await publish(20);
    await pollUntil(async () => (await countStored()).events === 80, {
      timeoutMs: 60_000,
      what: 'the first 80 events',
    });

    infra('stop-mongo');
    const retriesBefore = service.output.join('').split('will retry').length;
    await publish(30);
    // the consumer saw the outage: its store write failed and the batch is being retried, nothing committed
    await pollUntil(() => service.output.join('').split('will retry').length > retriesBefore, {
      timeoutMs: 60_000,
      what: 'the consumer to retry a failed batch',
    });
    expect(service.running).toBe(true);

    infra('start-mongo');
    // the topics have consumers of their own: the decided records can be in before the other stages' events
    await pollUntil(
      async () => {
        const n = await countStored();
        return n.decided === 50 && n.events === 200;
      },
      { timeoutMs: 120_000, what: '50 decided records and all 200 events' },
    );
    expect(await countStored()).toEqual({ events: 200, decided: 50 });
    const api = new AuditApiClient(service.baseUrl, token);
    expect(await api.json('/v1/audit/integrity')).toMatchObject({ ok: true, checkedRecords: 200 });
  });
});
