import type { StageName } from '@clearance/contracts';
import {
  pollUntil,
  PrivateInfra,
  type ServiceProcess,
  spawnService,
  uniqueTopicPrefix,
} from '@clearance/testing';

const STAGES: StageName[] = ['ingest', 'geolocation', 'verification', 'decision', 'audit'];
const USES_MONGO = new Set<StageName>(['verification', 'audit']);

async function readyStatus(svc: ServiceProcess): Promise<number> {
  return (await fetch(`${svc.baseUrl}/health/ready`)).status;
}

// Each service boots against a broker and database of this test's own, is ready only while they answer, and
// serves liveness, metrics and its OpenAPI document.
describe('service health', () => {
  let infra: PrivateInfra;
  const services = new Map<StageName, ServiceProcess>();

  beforeAll(async () => {
    infra = await PrivateInfra.start();
    const prefix = uniqueTopicPrefix('health');
    for (const name of STAGES) {
      services.set(
        name,
        await spawnService(name, {
          env: { KAFKA_BROKERS: infra.brokers, MONGODB_URI: infra.mongoUri, KAFKA_TOPIC_PREFIX: prefix },
        }),
      );
    }
    await Promise.all([...services.values()].map((s) => s.waitReady(120_000)));
  });

  afterAll(async () => {
    await Promise.all([...services.values()].map((s) => s.kill()));
    await infra?.stop();
  });

  it.each(STAGES)('%s is live, ready, and serves metrics and OpenAPI', async (name) => {
    const svc = services.get(name)!;

    const [live, ready, metrics, openapi] = await Promise.all(
      ['/health/live', '/health/ready', '/metrics', '/docs/openapi.json'].map((p) => fetch(svc.baseUrl + p)),
    );

    expect([live!.status, ready!.status, metrics!.status, openapi!.status]).toEqual([200, 200, 200, 200]);
    const details = (await ready!.json()) as { details: Record<string, { status: string }> };
    expect(details.details.kafka?.status).toBe('up');
    if (USES_MONGO.has(name)) expect(details.details.mongodb?.status).toBe('up');
    expect(await metrics!.text()).toContain('process_cpu_user_seconds_total');
    expect(((await openapi!.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });

  it('is not ready while the database is down, and ready again once it is back', async () => {
    await infra.stopMongo();
    for (const name of USES_MONGO) {
      await pollUntil(async () => (await readyStatus(services.get(name)!)) === 503, {
        what: `${name} not ready`,
      });
    }
    // services that do not use the database stay ready
    expect(await readyStatus(services.get('decision')!)).toBe(200);

    await infra.startMongo();
    for (const name of USES_MONGO) {
      await pollUntil(async () => (await readyStatus(services.get(name)!)) === 200, {
        timeoutMs: 60_000,
        what: `${name} ready again`,
      });
    }
  });

  it('is not ready while the broker is down', async () => {
    await infra.stopKafka();

    for (const name of STAGES) {
      await pollUntil(async () => (await readyStatus(services.get(name)!)) === 503, {
        what: `${name} not ready`,
      });
    }
    // liveness is about the process, not its dependencies
    expect((await fetch(`${services.get('ingest')!.baseUrl}/health/live`)).status).toBe(200);
  });
});
