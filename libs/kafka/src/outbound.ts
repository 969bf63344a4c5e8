import type { TopicEventMap, TopicName } from '@clearance/contracts';

/** A message a handler asks the transport to produce; it is sent, acknowledged, then the input is committed. */
export interface Outbound<T extends TopicName = TopicName> {
  topic: T;
  event: TopicEventMap[T];
}

export function outbound<T extends TopicName>(topic: T, event: TopicEventMap[T]): Outbound<T> {
  return { topic, event };
}

/** One consumed, validated message as a batch handler sees it. */
export interface ConsumedMessage<E> {
  event: E;
  /** The original value as received (UTF-8 JSON). */
  raw: string;
  offset: string;
  headers: Record<string, string>;
  timestamp: string;
}

export interface ConsumedBatch<E> {
  topic: TopicName;
  partition: number;
  messages: ConsumedMessage<E>[];
}
