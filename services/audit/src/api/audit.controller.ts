import {
  Controller,
  Get,
  Param,
  Query,
  Res,
  StreamableFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { AuditQueryService, type RequestPage, type RequestTimeline, type StatsReport } from './audit.service';
import { AuditorGuard } from './auditor.guard';
import { AuditorCallLogInterceptor } from './auditor-call-log.interceptor';
import { exportChunks } from './export.writer';
import { ExportQueryDto, IntegrityQueryDto, RequestPageQueryDto, StatsQueryDto } from './request-filter.dto';
import type { IntegrityReport } from '../store/chain/integrity.checker';
import { IntegrityRunInterceptor } from './integrity-run.interceptor';
import { REQUEST_ID_SCHEMA, RequestIdPipe } from './request-id.pipe';

/** The auditor API: read-only, auditor tokens only, every call recorded. */
@ApiTags('audit')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or unknown auditor token' })
@UseGuards(AuditorGuard)
@UseInterceptors(AuditorCallLogInterceptor)
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get('requests')
  @ApiOperation({ summary: 'Search decided requests, newest first, with cursor pagination' })
  @ApiOkResponse({ description: '`{ items: RequestRecord[], nextCursor?: string }`' })
  async requests(@Query() query: RequestPageQueryDto): Promise<RequestPage> {
    return this.audit.page(query);
  }

  @Get('requests/:id')
  @ApiOperation({ summary: "A request's full timeline: every stored event, and the decision's explanation" })
  @ApiParam({ name: 'id', schema: REQUEST_ID_SCHEMA })
  @ApiOkResponse({ description: '`{ requestId, record, events[], explanation }`' })
  async request(@Param('id', RequestIdPipe) id: string): Promise<RequestTimeline> {
    return this.audit.timeline(id);
  }

  @Get('export')
  @ApiOperation({ summary: 'Export the matching requests as CSV or NDJSON, streamed' })
  @ApiProduces('text/csv', 'application/x-ndjson')
  export(@Query() query: ExportQueryDto, @Res({ passthrough: true }) reply: FastifyReply): StreamableFile {
    const format = query.format ?? 'ndjson';
    const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
    void reply.header('cache-control', 'no-store');
    const stream = Readable.from(exportChunks(this.audit.stream(query), format), { objectMode: false });
    return new StreamableFile(stream, {
      type,
      disposition: `attachment; filename="clearance-audit-export.${format}"`,
    });
  }

  @Get('stats')
  @ApiOperation({ summary: 'Counts by outcome, country and reason per hour or day' })
  async stats(@Query() query: StatsQueryDto): Promise<StatsReport> {
    const { bucket, ...filter } = query;
    return this.audit.stats(filter, bucket ?? 'day');
  }

  @Get('integrity')
  @UseInterceptors(IntegrityRunInterceptor)
  @ApiOkResponse({
    description: '`{ ok, checkedRecords, chains[], heads[] }` and the first broken link, if any',
  })
  @ApiTooManyRequestsResponse({ description: 'Another integrity run is in progress (`Retry-After`)' })
  @ApiOperation({
    summary: 'Recompute the hash chains of the records stored in a range; names the first broken link',
  })
  async integrity(@Query() query: IntegrityQueryDto): Promise<IntegrityReport> {
    return this.audit.checkIntegrity(query);
  }
}
