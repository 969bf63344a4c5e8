import { randomUUID } from 'node:crypto';
import { Topics } from '@clearance/contracts';
import { KafkaConnection } from '@clearance/kafka';
import { BaseEnv, kafkaSettingsFromEnv, validateEnv } from '@clearance/platform';
import { TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import { baseTopic, Credentials, Pipeline, PIPELINE_TOPICS } from './support/pipeline.harness';

/** What deploy/local/infra.sh prints for its SASL_SSL listener (TLS with a CA of its own, then SCRAM or PLAIN). */
function secureListener(): { brokers: string; env: Record<string, string> } {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value)
      throw new Error(`${name} is not set: the test infrastructure (deploy/local/infra.sh env) prints it`);
    return value;
  };
  return {
    brokers: need('CLEARANCE_KAFKA_SECURE_BROKERS'),
    env: {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: need('CLEARANCE_KAFKA_SSL_CA_FILE'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: need('CLEARANCE_KAFKA_SASL_USERNAME'),
      KAFKA_SASL_PASSWORD_FILE: need('CLEARANCE_KAFKA_SASL_PASSWORD_FILE'),
    },
  };
}

// The services' own client code (env → settings → kafkajs) against the broker's SASL_SSL listener.
describe('Kafka over TLS with SASL', () => {
  const secure = secureListener();
  const connect = async (env: Record<string, string>): Promise<string> => {
    const settings = kafkaSettingsFromEnv(
      'security-test',
      validateEnv(BaseEnv, { KAFKA_BROKERS: secure.brokers, ...env }),
    );
    const connection = new KafkaConnection({ ...settings, groupId: 'unused' });
    try {
      await connection.ping(20_000);
      return 'connected';
    } catch (err) {
      return `refused: ${(err as Error).message}`;
    } finally {
      await connection.onApplicationShutdown();
    }
  };

  it.each(['scram-sha-512', 'scram-sha-256', 'plain'])(
    'connects with %s over TLS verified by the CA',
    async (mechanism) => {
      await expect(connect({ ...secure.env, KAFKA_SASL_MECHANISM: mechanism })).resolves.toBe('connected');
    },
  );

  it('is refused with a wrong password', async () => {
    const { KAFKA_SASL_PASSWORD_FILE: _file, ...env } = secure.env;
    await expect(connect({ ...env, KAFKA_SASL_PASSWORD: 'not-the-password' })).resolves.toMatch(
      /^refused: .*(authentication failed|invalid credentials|Invalid username or password)/i,
    );
  });

  it('does not trust a broker whose certificate the configured CA did not sign', async () => {
    const { KAFKA_SSL_CA_FILE: _ca, ...env } = secure.env;
    await expect(connect(env)).resolves.toMatch(/^refused: .*(self-signed|certificate)/i);
  });
});

describe('the pipeline over SASL_SSL, exactly-once', () => {
  const secure = secureListener();
  // topics are made over the PLAINTEXT listener of the same broker; the services only ever see the SASL_SSL one
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('sasl');
  const pipeline = new Pipeline({
    brokers: secure.brokers,
    mongoUri: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27018/clearance',
    database: `sasl_${randomUUID().slice(0, 8)}`,
    prefix,
    credentials: new Credentials(),
    env: { ...secure.env, KAFKA_EXACTLY_ONCE: 'true' },
  });

  beforeAll(async () => {
    await kafka.createTopics(prefix, PIPELINE_TOPICS);
    await pipeline.startAll();
  });

  afterAll(async () => {
    await pipeline.stopAll();
    await kafka.disconnect();
  });

  it.each([
    ['a US residential address', '71.192.0.1', 'allow', 'ALLOW_STANDARD'],
    ['a North Korean address', '175.45.176.1', 'deny', 'GEO_EMBARGOED_COUNTRY'],
  ])('decides a request from %s and audits every stage', async (_what, ip, outcome, reason) => {
    const res = await pipeline.ingest(
      '/v1/access-requests',
      {
        subject: { userId: `u-${randomUUID()}`, name: 'Jane Example' },
        network: { ip },
        resource: { model: 'standard-1', action: 'inference' },
      },
      { prefer: 'wait=20' },
    );
    const answer = (await res.json()) as {
      requestId: string;
      status: string;
      decision?: { outcome: string; reasons: { code: string }[] };
    };

    expect({ status: res.status, state: answer.status, outcome: answer.decision?.outcome }).toEqual({
      status: 200,
      state: 'decided',
      outcome,
    });
    expect(answer.decision?.reasons[0]?.code).toBe(reason);
    const audit = await pipeline.auditTimeline(answer.requestId, (t) =>
      [Topics.AccessRequested, Topics.AccessGeolocated, Topics.AccessVerified, Topics.AccessDecided].every(
        (topic) => t.events.some((e) => baseTopic(e.topic, prefix) === topic),
      ),
    );
    expect(audit.requestId).toBe(answer.requestId);
  });
});
