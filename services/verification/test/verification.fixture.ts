import { randomUUID } from 'node:crypto';
import { Topics, type TopicName } from '@clearance/contracts';
import { type ServiceProcess, spawnService, type TestKafka } from '@clearance/testing';

/** The test database server with a database of the test's own. */
export function databaseUri(name: string): string {
  const uri = new URL(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27018/clearance');
  uri.pathname = `/${name}`;
  return uri.toString();
}

/** What a verification process reads and writes. */
export const VERIFICATION_TOPICS: readonly TopicName[] = [
  Topics.AccessGeolocated,
  Topics.AccessVerified,
  Topics.SubjectVerification,
  Topics.DeadLetter,
];

/**
 * Creates the topics under `prefix` and starts one verification process on a fresh database; waits until it is
 * ready unless told not to (a service with stale lists never is).
 */
export async function startVerification(
  kafka: TestKafka,
  prefix: string,
  { database, env = {}, ready = true }: { database: string; env?: Record<string, string>; ready?: boolean },
): Promise<ServiceProcess> {
  await kafka.createTopics(prefix, VERIFICATION_TOPICS);
  const svc = await spawnService('verification', {
    env: {
      KAFKA_TOPIC_PREFIX: prefix,
      MONGODB_URI: databaseUri(`${database}_${randomUUID().slice(0, 8)}`),
      ...env,
    },
  });
  if (ready) await svc.waitReady(90_000);
  return svc;
}
