import { readFileSync } from 'node:fs';
import type { KafkaSecurity } from '@clearance/kafka';
import { type BaseEnv, InvalidEnvironmentError } from './base.env';

/**
 * The Kafka client's TLS and SASL settings from the validated environment, with the files read at boot: a
 * missing file, a half-configured mechanism or credentials that would cross the network in clear in production
 * stop the service at start, naming the variable, instead of failing at the first connection.
 */
export function kafkaSecurityFromEnv(env: BaseEnv): KafkaSecurity | undefined {
  const problems: string[] = [];
  const read = (name: keyof BaseEnv): string | undefined => {
    const path = env[name] as string | undefined;
    if (!path) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      problems.push(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return undefined;
    }
  };
  const production = env.NODE_ENV === 'production';

  let ssl: KafkaSecurity['ssl'];
  const tlsFiles = (['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const).filter(
    (k) => env[k],
  );
  if (env.KAFKA_SSL) {
    if (Boolean(env.KAFKA_SSL_CERT_FILE) !== Boolean(env.KAFKA_SSL_KEY_FILE))
      problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE: a client certificate needs both');
    if (production && !env.KAFKA_SSL_REJECT_UNAUTHORIZED)
      problems.push('KAFKA_SSL_REJECT_UNAUTHORIZED: must stay true in production (unverified brokers)');
    ssl = {
      ca: read('KAFKA_SSL_CA_FILE'),
      cert: read('KAFKA_SSL_CERT_FILE'),
      key: read('KAFKA_SSL_KEY_FILE'),
      rejectUnauthorized: env.KAFKA_SSL_REJECT_UNAUTHORIZED,
    };
  } else if (tlsFiles.length > 0) {
    problems.push(`${tlsFiles.join(', ')}: set, but KAFKA_SSL is not true`);
  }

  let sasl: KafkaSecurity['sasl'];
  const mechanism = env.KAFKA_SASL_MECHANISM;
  if (mechanism) {
    if (!env.KAFKA_SASL_USERNAME)
      problems.push(`KAFKA_SASL_USERNAME is missing (KAFKA_SASL_MECHANISM is ${mechanism})`);
    if (Boolean(env.KAFKA_SASL_PASSWORD) === Boolean(env.KAFKA_SASL_PASSWORD_FILE))
      problems.push('KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE: set exactly one');
    if (production && !env.KAFKA_SSL)
      problems.push(
        `KAFKA_SSL: must be true in production with SASL (${mechanism} credentials would cross the network in clear)`,
      );
    const password = env.KAFKA_SASL_PASSWORD ?? read('KAFKA_SASL_PASSWORD_FILE')?.trim();
    sasl = { mechanism, username: env.KAFKA_SASL_USERNAME ?? '', password: password ?? '' };
  } else {
    const stray = (
      ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'] as const
    ).filter((k) => env[k]);
    if (stray.length > 0) problems.push(`${stray.join(', ')}: set, but KAFKA_SASL_MECHANISM is not`);
  }

  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  if (!ssl && !sasl) return undefined;
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
