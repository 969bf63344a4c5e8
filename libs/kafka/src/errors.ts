import { KafkaJSError } from 'kafkajs';

/**
 * A failure that may pass by itself (a broker or database unavailable): the transport retries the batch with
 * backoff and commits nothing, instead of dead-lettering the message.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** The broker did not acknowledge a publish in time: callers answer 503, never "accepted". */
export class BrokerUnavailableError extends TransientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BrokerUnavailableError';
  }
}

const TRANSIENT_MONGO_ERRORS = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** True for errors worth retrying: ours, kafkajs's retriable ones, and the MongoDB driver's connection errors. */
export function isTransientError(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  if (err instanceof KafkaJSError) return err.retriable;
  if (err instanceof Error) {
    if (TRANSIENT_MONGO_ERRORS.has(err.name)) return true;
    const labels = (err as { errorLabels?: unknown }).errorLabels;
    if (Array.isArray(labels) && labels.includes('RetryableWriteError')) return true;
    // mongoose with bufferCommands off, while disconnected
    if (/Client must be connected|connection .* closed|ECONNREFUSED/i.test(err.message)) return true;
  }
  return false;
}
