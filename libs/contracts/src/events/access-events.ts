import { Type } from 'class-transformer';
import { ValidateNested, IsDefined } from 'class-validator';
import { AccessRequestV1 } from './access-request';
import { DecisionSectionV1 } from './decision';
import { EventEnvelopeV1 } from './envelope';
import { GeoSectionV1 } from './geo';
import { VerificationSectionV1 } from './verification';

/** `access.requested.v1`: an access request accepted by ingest. */
export class AccessRequestedV1 extends EventEnvelopeV1 {
  @IsDefined() @ValidateNested() @Type(() => AccessRequestV1) request!: AccessRequestV1;
}

/** `access.geolocated.v1`: the request plus where it comes from. */
export class AccessGeolocatedV1 extends AccessRequestedV1 {
  @IsDefined() @ValidateNested() @Type(() => GeoSectionV1) geo!: GeoSectionV1;
}

/** `access.verified.v1`: the request, its geolocation, and who is asking. */
export class AccessVerifiedV1 extends AccessGeolocatedV1 {
  @IsDefined() @ValidateNested() @Type(() => VerificationSectionV1) verification!: VerificationSectionV1;
}

/** `access.decided.v1`: the enriched request and the decision on it. */
export class AccessDecidedV1 extends AccessVerifiedV1 {
  @IsDefined() @ValidateNested() @Type(() => DecisionSectionV1) decision!: DecisionSectionV1;
}
