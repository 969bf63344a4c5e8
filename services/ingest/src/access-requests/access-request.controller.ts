import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { DecisionSectionV1 } from '@clearance/contracts';
import { ENV, ProblemException } from '@clearance/platform';
import type { FastifyReply } from 'fastify';
import { ApiClient } from '../auth/api-client.decorator';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ClientRateGuard, CountsBatchItems } from '../auth/client-rate.guard';
import { AuditClient, AuditUnavailableError } from '../decisions/audit.client';
import { DecisionBoard } from '../decisions/decision.board';
import { toDecisionView } from '../decisions/decision.view';
import { parsePrefer } from '../decisions/prefer.header';
import { JsonBodyGuard } from '../http/json-body.guard';
import type { IngestEnv } from '../ingest.env';
import {
  AcceptedResponseDto,
  AccessRequestBodyDto,
  BatchItemResultDto,
  BatchRequestBodyDto,
  BatchResponseDto,
  DecidedResponseDto,
  MAX_BATCH_ITEMS,
  ProblemDetailsDto,
  REQUEST_ID_PATTERN,
} from './access-request.dto';
import { AccessRequestService } from './access-request.service';

export const ACCESS_REQUESTS_PATH = '/v1/access-requests';
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const problems = (...statuses: number[]): MethodDecorator[] =>
  statuses.map((status) =>
    ApiResponse({ status, type: ProblemDetailsDto, description: 'RFC 9457 problem details' }),
  );

function applyAll(...decorators: MethodDecorator[]): MethodDecorator {
  return (target, key, descriptor) => {
    for (const d of decorators) d(target, key, descriptor);
  };
}

@ApiTags('access-requests')
@ApiBearerAuth()
@ApiExtraModels(AcceptedResponseDto, DecidedResponseDto, ProblemDetailsDto, BatchItemResultDto)
@Controller(ACCESS_REQUESTS_PATH.slice(1))
@UseGuards(ApiKeyGuard, ClientRateGuard, JsonBodyGuard)
export class AccessRequestController {
  constructor(
    private readonly service: AccessRequestService,
    private readonly board: DecisionBoard,
    private readonly audit: AuditClient,
    @Inject(ENV) private readonly env: IngestEnv,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Submit one access request',
    description:
      'Answers 202 once the broker acknowledged the event (acks=all). With `Prefer: wait=N` (N ≤ 10) answers 200 ' +
      'with the decision if it arrives within N seconds.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same key + same body → first result; another body → 409. 1-255 visible ASCII characters.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY.source },
  })
  @ApiHeader({ name: 'Prefer', required: false, description: 'RFC 7240, e.g. `wait=5`.' })
  @ApiResponse({ status: 202, type: AcceptedResponseDto, description: 'Accepted; decision pending' })
  @ApiResponse({ status: 200, type: DecidedResponseDto, description: 'Decided within the wait' })
  @applyAll(...problems(400, 401, 409, 413, 415, 429, 503))
  async create(
    @ApiClient() client: string,
    @Body() body: AccessRequestBodyDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AcceptedResponseDto | DecidedResponseDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ProblemException(400, 'Idempotency-Key must be 1-255 visible ASCII characters', undefined, {
        errors: [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }],
      });
    }
    const preferences = parsePrefer(prefer, this.env.INGEST_MAX_WAIT_SECONDS);
    const waitSeconds = preferences.waitSeconds ?? 0;
    const result = await this.service.submit(client, body, {
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(waitSeconds > 0 ? { waitMs: waitSeconds * 1000 } : {}),
    });
    void reply.header('Location', `${ACCESS_REQUESTS_PATH}/${encodeURIComponent(result.requestId)}`);
    if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
    if (waitSeconds > 0) void reply.header('Preference-Applied', `wait=${waitSeconds}`);
    else if (preferences.respondAsync) void reply.header('Preference-Applied', 'respond-async');
    if (result.decision) {
      void reply.status(200);
      return {
        requestId: result.requestId,
        status: 'decided',
        decision: toDecisionView(result.decision.decision),
      };
    }
    return { requestId: result.requestId, status: 'pending' };
  }

  @Post('batch')
  @HttpCode(200)
  @CountsBatchItems()
  @ApiOperation({
    summary: `Submit up to ${MAX_BATCH_ITEMS} access requests`,
    description:
      'Each item is validated on its own and gets the status the single route would have answered (202 or a ' +
      'problem). Valid items are published in one call; if the broker does not acknowledge, the whole call is 503.',
  })
  @ApiResponse({ status: 200, type: BatchResponseDto })
  @applyAll(...problems(400, 401, 413, 415, 429, 503))
  async createBatch(
    @ApiClient() client: string,
    @Body() body: BatchRequestBodyDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<BatchResponseDto> {
    if (idempotencyKey !== undefined) {
      throw new ProblemException(
        400,
        'Idempotency-Key is not supported on batches: give each item a requestId',
        undefined,
        {
          errors: [{ field: 'Idempotency-Key', message: 'not supported on batches' }],
        },
      );
    }
    const results = await this.service.submitBatch(client, body.requests);
    return {
      results: results.map((r) =>
        'requestId' in r
          ? {
              index: r.index,
              status: r.status,
              location: `${ACCESS_REQUESTS_PATH}/${encodeURIComponent(r.requestId)}`,
              body: { requestId: r.requestId, status: 'pending' },
            }
          : { index: r.index, status: r.status, body: r.problem },
      ),
    };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Status and decision of one request of the calling client',
    description:
      'From the decisions this instance saw recently, else from the audit store (when AUDIT_URL is set).',
  })
  @ApiParam({
    name: 'id',
    description: 'The requestId',
    schema: { type: 'string', minLength: 1, maxLength: 128, pattern: REQUEST_ID_PATTERN.source },
  })
  @ApiResponse({
    status: 200,
    description: '`status: decided` with the decision, or `status: pending` while it is not known yet',
    schema: {
      oneOf: [{ $ref: getSchemaPath(DecidedResponseDto) }, { $ref: getSchemaPath(AcceptedResponseDto) }],
    },
  })
  @applyAll(...problems(401, 404, 429, 503))
  async get(
    @ApiClient() client: string,
    @Param('id') id: string,
  ): Promise<AcceptedResponseDto | DecidedResponseDto> {
    const notFound = (): ProblemException =>
      new ProblemException(404, `no access request ${id} of client ${client}`);
    if (!REQUEST_ID_PATTERN.test(id)) throw notFound();
    const known = this.board.lookup(client, id);
    let decision: DecisionSectionV1;
    if (known?.status === 'decided') decision = known.record.decision;
    else {
      let stored;
      try {
        stored = await this.audit.lookup(client, id);
      } catch (err) {
        if (!(err instanceof AuditUnavailableError)) throw err;
        if (known?.status === 'pending') return { requestId: id, status: 'pending' };
        // Unknown here and the store did not answer: as far as this instance can tell there is no such request.
        // A read, so nothing is allowed by it; Retry-After says a later look may know more.
        throw new ProblemException(
          404,
          `no access request ${id} of client ${client} known to this instance (the audit store did not answer: ${err.message})`,
          { 'Retry-After': '5' },
        );
      }
      switch (stored.status) {
        case 'decided':
          decision = stored.decision;
          break;
        case 'pending':
          return { requestId: id, status: 'pending' };
        case 'not-found':
        case 'not-configured':
          if (known?.status === 'pending') return { requestId: id, status: 'pending' };
          throw notFound();
      }
    }
    return { requestId: id, status: 'decided', decision: toDecisionView(decision) };
  }
}
