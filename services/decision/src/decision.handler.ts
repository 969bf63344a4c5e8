import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type AccessVerifiedV1 } from '@clearance/contracts';
import { outbound, type Outbound } from '@clearance/kafka';
import { Decider } from './decider';

@Controller()
export class DecisionHandler {
  constructor(private readonly decider: Decider) {}

  @EventPattern(Topics.AccessVerified)
  onVerified(@Payload() event: AccessVerifiedV1): Outbound {
    return outbound(Topics.AccessDecided, this.decider.decide(event));
  }
}
