import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ACTION_PATTERN,
  EMAIL_MAX_LENGTH,
  FORWARDED_FOR_MAX_ITEMS,
  ID_LENGTH,
  KNOWN_ACTIONS,
  NAME_LENGTH,
  NetworkV1,
  OUTCOMES,
  ResourceV1,
  SubjectV1,
  USER_AGENT_MAX_LENGTH,
  type Outcome,
  IsDateTime,
} from '@clearance/contracts';
import { documentFields, OpenApiSchemas, stringOf } from '@clearance/platform';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsObject,
  IsOptional,
  Matches,
  ValidateNested,
} from 'class-validator';

/**
 * HTTP wire shapes of the ingest API. Subject, network and resource are the event classes themselves (their
 * validation rules are inherited); the subclasses only add the OpenAPI description, built from the same limits
 * (libs/contracts/src/limits.ts) the inherited decorators read.
 */
export class SubjectDto extends SubjectV1 {}
documentFields(SubjectDto, {
  userId: {
    ...stringOf(ID_LENGTH),
    example: 'user-42',
    description: 'Upstream user id.',
  },
  organizationId: { ...stringOf(ID_LENGTH), required: false, example: 'org-7' },
  name: {
    ...stringOf(NAME_LENGTH),
    required: false,
    example: 'Ada Lovelace',
    description: 'Full name, screened against the denied-party lists.',
  },
  organizationName: { ...stringOf(NAME_LENGTH), required: false, example: 'Analytical Engines' },
  email: {
    type: 'string',
    required: false,
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    example: 'ada@example.com',
  },
  claimedCountry: {
    ...OpenApiSchemas.country,
    required: false,
    example: 'US',
    description: 'Country the subject claims, e.g. the billing country (ISO 3166-1 alpha-2).',
  },
});

export class NetworkDto extends NetworkV1 {}
documentFields(NetworkDto, {
  ip: {
    ...OpenApiSchemas.ip,
    example: '203.0.113.10',
    description: 'Address the request came from (IPv4 or IPv6, no zone id).',
  },
  forwardedFor: {
    type: 'array',
    items: OpenApiSchemas.ip,
    required: false,
    maxItems: FORWARDED_FOR_MAX_ITEMS,
    example: ['198.51.100.7'],
    description: 'X-Forwarded-For chain as the upstream API saw it, client first (IP addresses).',
  },
  userAgent: {
    type: 'string',
    required: false,
    maxLength: USER_AGENT_MAX_LENGTH,
    example: 'model-gateway/1.4',
  },
});

export class ResourceDto extends ResourceV1 {}
documentFields(ResourceDto, {
  model: { ...stringOf(ID_LENGTH), example: 'frontier-1', description: 'Model id.' },
  action: {
    type: 'string',
    pattern: ACTION_PATTERN.source,
    example: 'inference',
    description: `What the subject wants to do, e.g. ${KNOWN_ACTIONS.join(', ')}.`,
  },
});

/** A request id safe in a URL path segment and as a Kafka key. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Body of `POST /v1/access-requests` (and one item of a batch). */
export class AccessRequestBodyDto {
  @ApiPropertyOptional({
    pattern: REQUEST_ID_PATTERN.source,
    example: '0f5c2a6e-1d2b-4c1e-9a0e-3b7f4a9d2c11',
    description:
      'Caller-chosen id (also the idempotency key when no Idempotency-Key header is sent); generated if absent.',
  })
  @IsOptional()
  @Matches(REQUEST_ID_PATTERN, {
    message: 'requestId must be 1-128 of A-Z a-z 0-9 . _ : - and start alphanumeric',
  })
  requestId?: string;

  @ApiProperty({ type: () => SubjectDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SubjectDto)
  subject!: SubjectDto;

  @ApiProperty({ type: () => NetworkDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => NetworkDto)
  network!: NetworkDto;

  @ApiProperty({ type: () => ResourceDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ResourceDto)
  resource!: ResourceDto;

  @ApiPropertyOptional({
    ...OpenApiSchemas.dateTime,
    example: '2026-11-27T03:00:00.000Z',
    description: 'When the upstream API saw the request; defaults to the time ingest received it.',
  })
  @IsOptional()
  @IsDateTime()
  occurredAt?: string;
}

export const MAX_BATCH_ITEMS = 500;

/**
 * Body of `POST /v1/access-requests/batch`: the items are validated one by one by the controller, so an item that
 * is not a valid AccessRequestBodyDto is that item's 400 in `results`, not the batch's: the document says so by
 * accepting any value as an item.
 */
export class BatchRequestBodyDto {
  @ApiProperty({
    type: 'array',
    items: {},
    minItems: 1,
    maxItems: MAX_BATCH_ITEMS,
    description:
      'Each an AccessRequestBodyDto. An item that does not validate gets its own 400 in `results`; the others go on.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_ITEMS)
  requests!: unknown[];
}

export class AcceptedResponseDto {
  @ApiProperty({ example: '0f5c2a6e-1d2b-4c1e-9a0e-3b7f4a9d2c11' }) requestId!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
}

export class ReasonDto {
  @ApiProperty({ example: 'GEO_EMBARGOED_COUNTRY' }) code!: string;
  @ApiProperty({ example: 'the request comes from an embargoed country (IR)' }) message!: string;
}

export class PolicyRefDto {
  @ApiProperty({ example: 'clearance-default' }) id!: string;
  @ApiProperty({ example: '2026-11-01' }) version!: string;
  @ApiProperty({ description: 'SHA-256 of the policy document.' }) hash!: string;
}

export class DecisionViewDto {
  @ApiProperty({ enum: OUTCOMES }) outcome!: Outcome;
  @ApiProperty({ type: [ReasonDto], description: 'Every reason that applied, the deciding one first.' })
  reasons!: ReasonDto[];
  @ApiProperty({ type: [String], example: ['step-up:identity'] }) obligations!: string[];
  @ApiProperty({ type: PolicyRefDto }) policy!: PolicyRefDto;
  @ApiPropertyOptional({ example: 'frontier' }) tier?: string;
  @ApiProperty({ description: 'How long the caller may cache the decision.' }) ttlSeconds!: number;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
  @ApiPropertyOptional({
    description: 'Milliseconds per stage: geolocationMs, verificationMs, decisionMs, totalMs.',
    type: 'object',
    additionalProperties: { type: 'number' },
  })
  latency?: Record<string, number>;
}

export class DecidedResponseDto {
  @ApiProperty() requestId!: string;
  @ApiProperty({ enum: ['decided'] }) status!: 'decided';
  @ApiProperty({ type: DecisionViewDto }) decision!: DecisionViewDto;
}

export class ProblemFieldErrorDto {
  @ApiProperty({ example: 'subject.userId' }) field!: string;
  @ApiProperty({ example: 'userId must be longer than or equal to 1 characters' }) message!: string;
}

export class ProblemDetailsDto {
  @ApiProperty({ example: 'https://clearance.dev/problems/400' }) type!: string;
  @ApiProperty({ example: 'Bad Request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiPropertyOptional({ example: 'subject.userId: userId must be a string' }) detail?: string;
  @ApiPropertyOptional({ example: '/v1/access-requests' }) instance?: string;
  @ApiPropertyOptional({ type: [ProblemFieldErrorDto] }) errors?: ProblemFieldErrorDto[];
}

export class BatchItemResultDto {
  @ApiProperty({ description: 'Position of the item in `requests`.' }) index!: number;
  @ApiProperty({
    description: 'What POST /v1/access-requests would have answered for this item.',
    example: 202,
  })
  status!: number;
  @ApiPropertyOptional({ example: '/v1/access-requests/0f5c2a6e-1d2b-4c1e-9a0e-3b7f4a9d2c11' })
  location?: string;
  @ApiProperty({
    description: 'AcceptedResponse for an accepted item, ProblemDetails for a rejected one.',
    oneOf: [
      { $ref: '#/components/schemas/AcceptedResponseDto' },
      { $ref: '#/components/schemas/ProblemDetailsDto' },
    ],
  })
  body!: AcceptedResponseDto | ProblemDetailsDto;
}

export class BatchResponseDto {
  @ApiProperty({ type: [BatchItemResultDto] }) results!: BatchItemResultDto[];
}
