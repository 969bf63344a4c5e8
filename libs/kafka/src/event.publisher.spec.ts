import { Logger } from '@nestjs/common';
import { type AccessRequestedV1, Topics } from '@clearance/contracts';
import type { Kafka, Producer, ProducerBatch } from 'kafkajs';
import { BrokerUnavailableError } from './errors';
import { EventPublisher } from './event.publisher';
import type { KafkaConnection } from './kafka.connection';
import { DEFAULT_KAFKA_SETTINGS, type KafkaSettings } from './kafka.settings';

// libs/kafka may not use @clearance/testing (boundary rules): a minimal event and poll of its own
const anEvent = (n: number) =>
  ({
    eventId: `e-${n}`,
    requestId: `r-${n}`,
    time: new Date().toISOString(),
  }) as unknown as AccessRequestedV1;

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error('condition not met within 10 s');
}

/** A broker that holds every produce request until the test releases it. */
function heldBroker() {
  const requests: ProducerBatch[] = [];
  const releases: (() => void)[] = [];
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch: (b: ProducerBatch) => {
      requests.push(b);
      return new Promise<void>((r) => releases.push(r));
    },
  } as unknown as Producer;
  const connection = {
    kafka: { producer: () => producer } as unknown as Kafka,
    topic: (t: string) => t,
  } as unknown as KafkaConnection;
  return { connection, requests, release: () => releases.shift()?.() };
}

const settings: KafkaSettings = {
  ...DEFAULT_KAFKA_SETTINGS,
  brokers: ['x:1'],
  clientId: 'test',
  groupId: 'test',
  publishTimeoutMs: 100,
};

describe(EventPublisher.name, () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers "not accepted" only for what it withdrew unsent, and waits for the outcome of what was sent', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const broker = heldBroker();
    const sut = new EventPublisher(broker.connection, settings);

    const sent = sut.publish(Topics.AccessRequested, [anEvent(1)]);
    await until(() => broker.requests.length === 1);
    const queued = sut.publish(Topics.AccessRequested, [anEvent(2)]);

    await expect(queued).rejects.toThrow(BrokerUnavailableError);
    await expect(queued).rejects.toThrow(/withdrawn, never sent/);
    await until(() => warn.mock.calls.length > 0); // the sent publish passed its timeout
    broker.release();

    await expect(sent).resolves.toBeUndefined();
    expect(broker.requests).toHaveLength(1);
  });
});
