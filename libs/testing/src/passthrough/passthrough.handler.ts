import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  type AccessGeolocatedV1,
  type AccessRequestedV1,
  deriveEnvelope,
  Topics,
} from '@clearance/contracts';
import { type Outbound, outbound } from '@clearance/kafka';

const PASS_THROUGH_GEO: AccessGeolocatedV1['geo'] = {
  status: 'unavailable',
  ip: { ip: '0.0.0.0', version: 4, country: 'unknown', unroutable: true, anonymizers: [], operatorLists: [] },
  forwardedFor: [],
  datasets: [],
  evaluatedAt: new Date(0).toISOString(),
};

/**
 * A stage with no logic (consume → validate → produce): the yardstick for the Kafka plumbing in tests and the
 * backbone benchmark. Its geo section says `unavailable`, so nothing it emits could ever lead to an allow.
 */
@Controller()
export class PassThroughHandler {
  @EventPattern(Topics.AccessRequested)
  onRequested(@Payload() event: AccessRequestedV1): Outbound {
    return outbound(Topics.AccessGeolocated, {
      ...event,
      ...deriveEnvelope(event, 'geolocation', 'geolocatedAt'),
      geo: PASS_THROUGH_GEO,
    });
  }
}
