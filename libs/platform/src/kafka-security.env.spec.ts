import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaClientSecurity } from '@clearance/kafka';
import { BaseEnv, InvalidEnvironmentError, validateEnv } from './base.env';
import { kafkaSecurityFromEnv } from './kafka-security.env';

describe(kafkaSecurityFromEnv.name, () => {
  let dir: string;
  const env = (vars: Record<string, string>) => validateEnv(BaseEnv, { KAFKA_BROKERS: 'b:9093', ...vars });
  const problemsOf = (vars: Record<string, string>): string[] => {
    try {
      kafkaSecurityFromEnv(env(vars));
    } catch (err) {
      if (err instanceof InvalidEnvironmentError) return err.problems;
      throw err;
    }
    return [];
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'password'), 's3cret\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is PLAINTEXT without authentication when nothing is set', () => {
    expect(kafkaSecurityFromEnv(env({}))).toBeUndefined();
    expect(kafkaClientSecurity(undefined)).toEqual({});
  });

  it('reads the CA and the password file, and gives kafkajs SASL_SSL options', () => {
    const sut = kafkaSecurityFromEnv(
      env({
        NODE_ENV: 'production',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'clearance-decision',
        KAFKA_SASL_PASSWORD_FILE: join(dir, 'password'),
      }),
    );

    expect(kafkaClientSecurity(sut)).toEqual({
      ssl: { rejectUnauthorized: true, ca: [expect.stringContaining('BEGIN CERTIFICATE')] },
      sasl: { mechanism: 'scram-sha-512', username: 'clearance-decision', password: 's3cret' },
    });
  });

  it('refuses SASL without TLS in production, and unverified brokers', () => {
    expect(
      problemsOf({
        NODE_ENV: 'production',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      }),
    ).toEqual([expect.stringMatching(/^KAFKA_SSL: must be true in production/)]);
    expect(
      problemsOf({ NODE_ENV: 'production', KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }),
    ).toEqual([expect.stringMatching(/^KAFKA_SSL_REJECT_UNAUTHORIZED: must stay true/)]);
  });

  it('allows SASL PLAINTEXT outside production (a local broker)', () => {
    expect(
      kafkaSecurityFromEnv(
        env({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }),
      ),
    ).toEqual({ sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
  });

  it('names every half-configured variable', () => {
    expect(
      problemsOf({
        KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
        KAFKA_SASL_USERNAME: 'u',
      }),
    ).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CA_FILE: set, but KAFKA_SSL is not true/),
      expect.stringMatching(/^KAFKA_SASL_USERNAME: set, but KAFKA_SASL_MECHANISM is not/),
    ]);
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toEqual([
      expect.stringMatching(/^KAFKA_SASL_USERNAME is missing/),
      expect.stringMatching(/^KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE: set exactly one/),
    ]);
    expect(problemsOf({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: join(dir, 'ca.pem') })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE: a client certificate needs both/),
    ]);
  });

  it('names a file it cannot read', () => {
    expect(problemsOf({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/),
    ]);
  });
});
