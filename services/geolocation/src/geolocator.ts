import { Injectable } from '@nestjs/common';
import { deriveEnvelope, type AccessGeolocatedV1, type AccessRequestedV1 } from '@clearance/contracts';
import { TransientError } from '@clearance/kafka';
import { GeoDataProvider } from './geo-data.provider';
import { geoSection } from './geo/geo-section.builder';

/** Adds the `geo` section to a request event; an address that does not parse throws (the message is dead-lettered). */
@Injectable()
export class Geolocator {
  constructor(private readonly data: GeoDataProvider) {}

  enrich(event: AccessRequestedV1, now: Date = new Date()): AccessGeolocatedV1 {
    const snapshot = this.data.snapshot;
    if (!snapshot) throw new TransientError('geo data not loaded yet');
    const envelope = deriveEnvelope(event, 'geolocation', 'geolocatedAt', now);
    const { ip, forwardedFor } = event.request.network;
    return { ...event, ...envelope, geo: geoSection(snapshot, ip, forwardedFor, envelope.time) };
  }
}
