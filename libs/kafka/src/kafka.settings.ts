import type { KafkaSecurity } from './kafka.security';

/** Everything the Kafka plumbing needs, resolved from the validated environment by the platform. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Consumer group of the stage's transport. */
  groupId: string;
  /** Prepended to every physical topic name (isolates tests and environments sharing a cluster). */
  topicPrefix: string;
  /** Partitions of the topics this service creates when missing. */
  partitions: number;
  replicationFactor: number;
  /** Consume → transform → produce inside Kafka transactions (read_committed consumers see each output once). */
  exactlyOnce: boolean;
  /** Stable transactional id of this instance; unset, one is made up per process (see KAFKA_TRANSACTIONAL_ID). */
  transactionalId?: string;
  /** The broker aborts a transaction left open this long (a crashed instance's). */
  transactionTimeoutMs: number;
  /** Handlers running at once within one partition batch. */
  handlerConcurrency: number;
  /** Partition batches processed at once. */
  partitionsConsumedConcurrently: number;
  /** Messages of a fetched batch processed and committed as one unit. */
  chunkSize: number;
  /** How long the publisher collects messages before sending one batch. */
  lingerMs: number;
  /** Send a batch as soon as it holds this many messages. */
  maxBatchMessages: number;
  /** Largest produce request (estimated bytes); larger batches are split, keeping every record batch under the broker limit. */
  maxRequestBytes: number;
  /** A publish not acknowledged within this time fails with BrokerUnavailableError. */
  publishTimeoutMs: number;
  /** A consumer silent for this long is evicted and its partitions reassigned. */
  sessionTimeoutMs: number;
  /** A fetch waits at the broker for this many bytes (or fetchMaxWaitMs): 1 answers as soon as anything is there. */
  fetchMinBytes: number;
  /** Longest a fetch waits at the broker for fetchMinBytes. */
  fetchMaxWaitMs: number;
  /**
   * At-least-once only: processed offsets are committed in the background at most this often per consumer,
   * instead of one awaited commit per chunk (0: commit each chunk before the next). A crash redelivers at most
   * this much of processed input, which at-least-once allows; a drain commits what is pending.
   */
  commitIntervalMs: number;
  /** Messages larger than this are dead-lettered unread. */
  maxMessageBytes: number;
  /** TLS and SASL towards the brokers; unset, PLAINTEXT without authentication (local development only). */
  security?: KafkaSecurity;
}

export const KAFKA_SETTINGS = Symbol('KAFKA_SETTINGS');

export const DEFAULT_KAFKA_SETTINGS: Omit<KafkaSettings, 'brokers' | 'clientId' | 'groupId'> = {
  topicPrefix: '',
  partitions: 3,
  replicationFactor: 1,
  exactlyOnce: false,
  transactionTimeoutMs: 60_000,
  handlerConcurrency: 32,
  partitionsConsumedConcurrently: 3,
  chunkSize: 1000,
  lingerMs: 0,
  maxBatchMessages: 1000,
  maxRequestBytes: 768 * 1024,
  publishTimeoutMs: 5000,
  maxMessageBytes: 256 * 1024,
  fetchMinBytes: 1,
  fetchMaxWaitMs: 200,
  commitIntervalMs: 100,
  sessionTimeoutMs: 8_000,
};

export function physicalTopic(settings: Pick<KafkaSettings, 'topicPrefix'>, topic: string): string {
  return settings.topicPrefix + topic;
}

/**
 * Retry of every long-lived consumer: fetches probe at least once a second, so a broker's return is noticed
 * within a second; after ~18 s of failures kafkajs crashes and restarts the consumer.
 */
export const CONSUMER_RETRY = { initialRetryTime: 200, retries: 20, maxRetryTime: 1_000 } as const;
