import { Counter, Gauge, Histogram } from 'prom-client';
import { registeredMetric } from './metric.registry';

/** Per-stage Kafka metrics on the default prom-client registry (served at /metrics by the platform). */
export const kafkaMetrics = {
  messagesIn: registeredMetric(Counter, {
    name: 'clearance_messages_in_total',
    help: 'Messages consumed',
    labelNames: ['topic'],
  }),
  messagesOut: registeredMetric(Counter, {
    name: 'clearance_messages_out_total',
    help: 'Messages produced and acknowledged',
    labelNames: ['topic'],
  }),
  deadLetters: registeredMetric(Counter, {
    name: 'clearance_deadletters_total',
    help: 'Messages sent to the dead-letter topic',
    labelNames: ['topic', 'kind'],
  }),
  retries: registeredMetric(Counter, {
    name: 'clearance_batch_retries_total',
    help: 'Batches retried after a transient error',
    labelNames: ['topic'],
  }),
  batchSize: registeredMetric(Histogram, {
    name: 'clearance_batch_size',
    help: 'Messages per processed batch',
    labelNames: ['direction'],
    buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 5000],
  }),
  handlerSeconds: registeredMetric(Histogram, {
    name: 'clearance_handler_duration_seconds',
    help: 'Time to process one batch chunk, handlers and produce included',
    labelNames: ['topic'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
  consumerLag: registeredMetric(Gauge, {
    name: 'clearance_consumer_lag',
    help: 'Messages behind the partition high watermark at the last fetched batch',
    labelNames: ['topic', 'partition'],
  }),
};
