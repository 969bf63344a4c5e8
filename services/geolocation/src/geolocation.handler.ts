import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type AccessRequestedV1 } from '@clearance/contracts';
import { outbound, type Outbound } from '@clearance/kafka';
import { Geolocator } from './geolocator';

/** access.requested.v1 → access.geolocated.v1. The transport validated the payload already. */
@Controller()
export class GeolocationHandler {
  constructor(private readonly geolocator: Geolocator) {}

  @EventPattern(Topics.AccessRequested)
  onRequested(@Payload() event: AccessRequestedV1): Outbound {
    return outbound(Topics.AccessGeolocated, this.geolocator.enrich(event));
  }
}
