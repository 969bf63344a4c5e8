import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Topics } from '@clearance/contracts';
import { CONSUMER_RETRY, KafkaConnection, settledWithin } from '@clearance/kafka';
import type { ReadinessCheck } from '@clearance/platform';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DecisionBoard } from './decision.board';

const RETRY_MS = 2_000;
/** Each step of leaving on shutdown; the transport bounds its own disconnect the same way. */
const SHUTDOWN_STEP_MS = 2_000;

/** A consumer group of its own per instance: every ingest instance must see every decision. */
export function waiterGroupId(): string {
  return `clearance-ingest-waiters-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Feeds `access.decided.v1` into the DecisionBoard so waiting callers (`Prefer: wait`) get their answer and
 * `GET /v1/access-requests/{id}` knows the decisions of the requests this instance accepted. It reads from the
 * end of the topic, commits nothing, and looks at a message's key before its value. It is not the stage transport
 * (`KafkaBatchServer`): that one is one shared group per stage (it would split the decisions across instances),
 * validates and dead-letters every message and commits offsets; this is a group per instance that skips what
 * nobody here waits for. It takes the transport's consumer retry settings.
 */
@Injectable()
export class DecisionListener implements OnApplicationBootstrap, OnApplicationShutdown, ReadinessCheck {
  readonly name = 'decision-listener';
  private readonly logger = new Logger(DecisionListener.name);
  private groupId = waiterGroupId();
  private consumer?: Consumer;
  private joined = false;
  private stopping = false;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly board: DecisionBoard,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: ingest must start (and answer 503) while the broker is down.
    void this.start();
  }

  async check(): Promise<void> {
    if (!this.joined) throw new Error('not yet listening to access.decided.v1');
  }

  private async start(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.connection.ensureTopics([Topics.AccessRequested, Topics.AccessDecided]);
      const consumer = this.connection.kafka.consumer({
        groupId: this.groupId,
        allowAutoTopicCreation: false,
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        maxWaitTimeInMs: 100,
        retry: { ...CONSUMER_RETRY }, // as the stage transport
      });
      this.consumer = consumer;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        this.joined = true;
        this.logger.log({ msg: 'listening for decisions', groupId: this.groupId });
      });
      // after a broker restart the member may carry on in its old generation without a GROUP_JOIN
      consumer.on(consumer.events.HEARTBEAT, () => {
        this.joined = true;
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        this.joined = false;
        if (!payload.restart) this.scheduleRestart(payload.error);
      });
      await consumer.connect();
      await consumer.subscribe({
        topics: [this.connection.topic(Topics.AccessDecided)],
        fromBeginning: false,
      });
      await consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(payload) });
    } catch (err) {
      this.scheduleRestart(err);
    }
  }

  private scheduleRestart(err: unknown): void {
    if (this.stopping) return;
    this.logger.warn({ msg: 'decision listener unavailable, retrying', err: (err as Error).message });
    const consumer = this.consumer;
    this.consumer = undefined;
    // A fresh group: rejoining the old one waits until the coordinator expires the crashed member's session
    // (~11 s after a broker's return, measured). Nothing is lost by it: the group commits nothing and reads from
    // the end either way.
    const previousGroup = this.groupId;
    this.groupId = waiterGroupId();
    this.retryTimer = setTimeout(() => {
      void (async () => {
        // bounded as on shutdown: a disconnect that hangs must not keep the listener from ever rejoining
        if (consumer) await settledWithin(consumer.disconnect(), SHUTDOWN_STEP_MS);
        // not awaited (the broker may still be away), best effort: an empty group without offsets expires anyway
        this.deleteGroup(previousGroup).catch(() => undefined);
        await this.start();
      })();
    }, RETRY_MS);
  }

  private async onBatch({ batch }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      // the key is the request id: the board keeps only decisions this instance waits for or accepted, and parses
      // at once only those a caller waits for (a decided event is ~4 KB; parsing each was ingest's largest cost)
      const requestId = message.key?.toString('utf8');
      if (requestId !== undefined) this.board.offer(requestId, message.value);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    // Bounded: kafkajs's disconnect can hang (mid-rejoin, or while it reconnects: kafkajs #1147, #1639), and this
    // group commits nothing, so leaving it unannounced loses nothing; the broker expires the member's session.
    if (this.consumer && !(await settledWithin(this.consumer.disconnect(), SHUTDOWN_STEP_MS)))
      this.logger.warn({ msg: 'decision listener left without disconnecting', groupId: this.groupId });
    // The group never committed offsets; remove it so instances that come and go leave nothing behind.
    // best effort: an empty group without offsets expires on its own
    await settledWithin(this.deleteGroup(this.groupId), SHUTDOWN_STEP_MS);
  }

  private deleteGroup(groupId: string): Promise<unknown> {
    return this.connection.getAdmin().then((admin) => admin.deleteGroups([groupId]));
  }
}
