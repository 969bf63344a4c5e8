import { BaseRpcContext } from '@nestjs/microservices';
import type { TopicName } from '@clearance/contracts';

/** What a message handler receives besides the payload: where the message came from. */
export class KafkaEventContext extends BaseRpcContext<[topic: TopicName, partition: number, offset: string]> {
  getTopic(): TopicName {
    return this.args[0];
  }
  getPartition(): number {
    return this.args[1];
  }
  getOffset(): string {
    return this.args[2];
  }
}
