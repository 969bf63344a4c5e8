import { Module } from '@nestjs/common';
import { Topics } from '@clearance/contracts';
import { BaseEnv, bootstrapService, PlatformModule } from '@clearance/platform';
import { PassThroughHandler } from './passthrough.handler';

@Module({
  imports: [
    PlatformModule.forRoot({ service: 'geolocation', env: BaseEnv, produces: [Topics.AccessGeolocated] }),
  ],
  controllers: [PassThroughHandler],
})
class PassThroughModule {}

void bootstrapService(PassThroughModule, { service: 'geolocation', title: 'Clearance pass-through stage' });
