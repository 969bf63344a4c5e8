import type { AccessRequestedV1, Topics } from '@clearance/contracts';

/** Where accepted requests go: the platform's EventPublisher, or a stub for the benchmark baseline. */
export interface RequestPublisher {
  publish(topic: typeof Topics.AccessRequested, events: readonly AccessRequestedV1[]): Promise<void>;
}

export const REQUEST_PUBLISHER = Symbol('REQUEST_PUBLISHER');

/** Acknowledges without a broker: only for measuring what publishing costs (INGEST_PUBLISH_STUB=true). */
export class StubRequestPublisher implements RequestPublisher {
  async publish(): Promise<void> {
    return undefined;
  }
}
