import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type AccessGeolocatedV1, SubjectVerificationV1 } from '@clearance/contracts';
import { outbound, TransientError, type Outbound } from '@clearance/kafka';
import { RegistryConflictError } from './registry/subject.repository';
import { SubjectService } from './registry/subject.service';
import { Verifier } from './verifier';

/** Kafka side: geolocated requests in, verified requests out; bulk registry sync from `subjects.verification.v1`. */
@Controller()
export class VerificationHandler {
  constructor(
    private readonly verifier: Verifier,
    private readonly subjects: SubjectService,
  ) {}

  @EventPattern(Topics.AccessGeolocated)
  async onGeolocated(@Payload() event: AccessGeolocatedV1): Promise<Outbound[]> {
    return [outbound(Topics.AccessVerified, await this.verifier.verify(event))];
  }

  @EventPattern(Topics.SubjectVerification)
  async onSubjectVerification(@Payload() event: SubjectVerificationV1): Promise<Outbound[]> {
    try {
      await this.subjects.applySync(event);
    } catch (err) {
      // a concurrent change: reapplying after a re-read is safe (an unchanged record writes nothing)
      if (err instanceof RegistryConflictError) throw new TransientError(err.message, { cause: err });
      throw err;
    }
    return [];
  }
}
