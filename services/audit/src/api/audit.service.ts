import { Injectable, NotFoundException } from '@nestjs/common';
import {
  Topics,
  type AccessDecidedV1,
  type RequestPageV1,
  type RequestTimelineV1,
  type TimelineEntryV1,
} from '@clearance/contracts';
import { AuditEventRepository } from '../store/events/audit-event.repository';
import { IntegrityChecker, type IntegrityReport } from '../store/chain/integrity.checker';
import { RequestRecordRepository } from '../store/projection/request-record.repository';
import type { RequestRecord } from '../store/projection/request-record.schema';
import { buildRequestFilter, decodeCursor, encodeCursor } from './request-filter.builder';
import { type StatsReport, statsReportOf } from './stats.report';
import type {
  IntegrityQueryDto,
  RequestFilterDto,
  RequestPageQueryDto,
  StatsBucket,
} from './request-filter.dto';

export type RequestPage = RequestPageV1<Date>;
export type RequestTimeline = RequestTimelineV1<Date>;

export type { StatsReport } from './stats.report';

/** The auditor use cases: read-only over the request records and the event store. */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly requests: RequestRecordRepository,
    private readonly events: AuditEventRepository,
    private readonly integrity: IntegrityChecker,
  ) {}

  async page(q: RequestPageQueryDto): Promise<RequestPage> {
    const limit = q.limit ?? 50;
    const filter = buildRequestFilter(q, q.cursor === undefined ? undefined : decodeCursor(q.cursor));
    const rows = await this.requests.page(filter, limit + 1);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return rows.length > limit && last
      ? { items, nextCursor: encodeCursor({ time: last.time, requestId: last._id }) }
      : { items };
  }

  async timeline(requestId: string): Promise<RequestTimeline> {
    const [record, events] = await Promise.all([
      this.requests.findById(requestId),
      this.events.timeline(requestId),
    ]);
    if (!record && events.length === 0)
      throw new NotFoundException(`no request ${requestId} in the audit store`);
    const entries = events.map((e): TimelineEntryV1 => ({
      eventId: e._id,
      topic: e.topic,
      eventType: e.eventType,
      producer: e.producer,
      time: e.time.toISOString(),
      storedAt: e.storedAt.toISOString(),
      partition: e.partition,
      offset: e.offset,
      hash: e.hash,
      event: JSON.parse(e.raw) as unknown,
    }));
    // validated against its topic when the audit consumer stored it
    const decided = entries.find((e) => e.topic === Topics.AccessDecided)?.event as
      AccessDecidedV1 | undefined;
    return { requestId, record, events: entries, explanation: decided?.decision ?? null };
  }

  stream(q: RequestFilterDto): AsyncIterable<RequestRecord> {
    return this.requests.stream(buildRequestFilter(q));
  }

  async stats(q: RequestFilterDto, bucket: StatsBucket): Promise<StatsReport> {
    return statsReportOf(bucket, await this.requests.countAll(buildRequestFilter(q), bucket));
  }

  async checkIntegrity(q: IntegrityQueryDto): Promise<IntegrityReport> {
    return this.integrity.check(q.from ? new Date(q.from) : undefined, q.to ? new Date(q.to) : undefined);
  }
}
