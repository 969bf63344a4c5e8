import type { KafkaConfig, SASLOptions } from 'kafkajs';

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** How a client authenticates to the brokers and encrypts the connection; unset parts mean PLAINTEXT. */
export interface KafkaSecurity {
  /** TLS to the brokers. `ca` replaces the system roots (a private CA); `cert` + `key` add a client certificate. */
  ssl?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

/** The kafkajs client options for `security`: every client of a service (consumer, producers, admin) uses them. */
export function kafkaClientSecurity(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (!security) return {};
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (security.ssl) {
    const { ca, cert, key, rejectUnauthorized } = security.ssl;
    out.ssl = {
      rejectUnauthorized,
      ...(ca ? { ca: [ca] } : {}),
      ...(cert && key ? { cert, key } : {}),
    };
  }
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    // one object per mechanism: kafkajs' SASLOptions is a union discriminated by `mechanism`
    out.sasl = { mechanism, username, password } as SASLOptions;
  }
  return out;
}
