import { Module } from '@nestjs/common';
import { Topics } from '@clearance/contracts';
import { PlatformModule } from '@clearance/platform';
import { Decider } from './decider';
import { DecisionEnv } from './decision.env';
import { DecisionHandler } from './decision.handler';
import { PolicyReadiness } from './policy/policy.readiness';
import { PolicyStore } from './policy/policy.store';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'decision',
      env: DecisionEnv,
      mongo: false,
      produces: [Topics.AccessDecided],
      readiness: [PolicyReadiness],
    }),
  ],
  controllers: [DecisionHandler],
  providers: [PolicyStore, Decider, PolicyReadiness],
})
export class AppModule {}
