import { Logger } from '@nestjs/common';
import { type AccessRequestedV1, Topics } from '@clearance/contracts';
import type { Kafka, Producer, ProducerBatch } from 'kafkajs';
import { BrokerUnavailableError } from './errors';
import { EventPublisher, PublishOutcomeUnknownError } from './event.publisher';
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

  it('answers "not accepted" only for what it withdrew unsent, and "outcome unknown" for what was sent', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const broker = heldBroker();
    const sut = new EventPublisher(broker.connection, settings);

    const sent = sut.publish(Topics.AccessRequested, [anEvent(1)]);
    sent.catch(() => undefined);
    await until(() => broker.requests.length === 1);
    const queued = sut.publish(Topics.AccessRequested, [anEvent(2)]);

    await expect(queued).rejects.toThrow(BrokerUnavailableError);
    await expect(queued).rejects.not.toThrow(PublishOutcomeUnknownError);
    await expect(queued).rejects.toThrow(/withdrawn, never sent/);
    const unknown = await sent.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(unknown).toBeInstanceOf(PublishOutcomeUnknownError);
    broker.release();

    // the late acknowledgement still reaches whoever keeps the claim of that request
    await expect((unknown as PublishOutcomeUnknownError).acknowledged).resolves.toBe(true);
    expect(broker.requests).toHaveLength(1);
  });

  it('answers "outcome unknown" when a sent request fails, and "not accepted" when the producer never connected', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    let connectFails = true;
    const producer = {
      connect: async () => {
        if (connectFails) throw new Error('ECONNREFUSED');
      },
      disconnect: async () => undefined,
      sendBatch: async () => {
        throw new Error('Connection closed');
      },
    } as unknown as Producer;
    const connection = {
      kafka: { producer: () => producer } as unknown as Kafka,
      topic: (t: string) => t,
    } as unknown as KafkaConnection;
    const sut = new EventPublisher(connection, { ...settings, publishTimeoutMs: 5_000 });

    const neverSent = await sut.publish(Topics.AccessRequested, [anEvent(1)]).catch((e: unknown) => e);
    expect(neverSent).toBeInstanceOf(BrokerUnavailableError);
    expect(neverSent).not.toBeInstanceOf(PublishOutcomeUnknownError);

    connectFails = false;
    const lost = await sut.publish(Topics.AccessRequested, [anEvent(2)]).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(PublishOutcomeUnknownError);
    await expect((lost as PublishOutcomeUnknownError).acknowledged).resolves.toBe(false);
  });
});
