import { Body, Controller, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiHeader,
  ApiNoContentResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiConflictResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, IsString, ValidateNested } from 'class-validator';
import {
  LengthOf,
  OrganizationRecordV1,
  PROVIDER_LENGTH,
  REASON_LENGTH,
  UserRecordV1,
} from '@clearance/contracts';
import { stringOf } from '@clearance/platform';
import { KycOrganizationDto, KycUserDto } from './subject-admin.dto';
import { KycSignatureGuard, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './kyc-signature.guard';
import { mapRegistryErrors } from './registry-error.mapper';
import { SubjectService } from '../registry/subject.service';

/** A KYC provider's verification result for a user and/or organisation. */
export class KycWebhookDto {
  @ApiProperty({
    ...stringOf(PROVIDER_LENGTH),
    description: 'Provider name or reference, recorded as the actor',
  })
  @IsString()
  @LengthOf(PROVIDER_LENGTH)
  provider!: string;
  @ApiProperty(stringOf(REASON_LENGTH)) @IsString() @LengthOf(REASON_LENGTH) reason!: string;
  @ApiPropertyOptional({ type: () => KycUserDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => UserRecordV1)
  user?: UserRecordV1;
  @ApiPropertyOptional({ type: () => KycOrganizationDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => OrganizationRecordV1)
  organization?: OrganizationRecordV1;
}

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class KycWebhookController {
  constructor(private readonly subjects: SubjectService) {}

  @Post('kyc')
  @HttpCode(204)
  @UseGuards(KycSignatureGuard)
  @ApiOperation({ summary: 'KYC provider result; HMAC-SHA-256 signed over `<timestamp>.<raw body>`' })
  @ApiNoContentResponse({ description: 'Applied to the registry' })
  @ApiUnauthorizedResponse({
    description: 'Signature or timestamp missing, wrong or outside the 5-minute window',
  })
  @ApiConflictResponse({
    description: 'This signed event was already received, or a newer change is recorded',
  })
  @ApiServiceUnavailableResponse({ description: 'Registry unavailable, or too many webhooks in the window' })
  @ApiHeader({ name: TIMESTAMP_HEADER, description: 'Unix seconds; refused when more than 5 minutes off' })
  @ApiHeader({
    name: SIGNATURE_HEADER,
    description: '`sha256=` + hex HMAC-SHA-256 of `<timestamp>.<raw body>`',
  })
  async receive(@Body() body: KycWebhookDto, @Headers(TIMESTAMP_HEADER) timestamp: string): Promise<void> {
    // The signed timestamp is when the provider sent the event: a record changed after it is not reverted.
    const occurredAt = new Date(Number(timestamp) * 1000);
    await mapRegistryErrors(() =>
      this.subjects.applySync(
        {
          actor: `kyc:${body.provider}`,
          reason: body.reason,
          user: body.user,
          organization: body.organization,
        },
        'webhook',
        occurredAt,
      ),
    );
  }
}
