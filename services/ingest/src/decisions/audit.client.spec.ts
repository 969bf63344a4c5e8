import { Topics, type RequestTimelineV1, type TimelineEntryV1 } from '@clearance/contracts';
import { aDecidedEvent, aRequestedEvent } from '@clearance/testing';
import { lookupOfTimeline } from './audit.client';

const entry = (topic: string, event: unknown): TimelineEntryV1 => ({
  eventId: 'e',
  topic,
  eventType: topic,
  producer: 'p',
  time: '2026-11-27T10:00:00.000Z',
  storedAt: '2026-11-27T10:00:01.000Z',
  partition: 0,
  offset: '0',
  hash: 'h',
  event,
});

const timeline = (events: TimelineEntryV1[], client?: string): RequestTimelineV1 => ({
  requestId: 'req-1',
  record: client === undefined ? null : ({ _id: 'req-1', client } as RequestTimelineV1['record']),
  events,
  explanation: null,
});

describe(lookupOfTimeline.name, () => {
  const sut = lookupOfTimeline;

  it('takes the decision of the decided event in the timeline', () => {
    const event = aDecidedEvent({ request: { client: 'gateway' } });
    expect(sut(timeline([entry(Topics.AccessDecided, event)], 'gateway'), 'gateway')).toEqual({
      status: 'decided',
      decision: event.decision,
    });
  });

  it('reports a request without a decided event as pending', () => {
    const requested = aRequestedEvent({ request: { client: 'gateway' } });
    expect(sut(timeline([entry(Topics.AccessRequested, requested)]), 'gateway')).toEqual({
      status: 'pending',
    });
  });

  it('never takes a decided event that does not validate', () => {
    const event = aDecidedEvent({ request: { client: 'gateway' } });
    const broken = { ...event, decision: { ...event.decision, outcome: 'maybe' } };
    expect(sut(timeline([entry(Topics.AccessDecided, broken)]), 'gateway')).toMatchObject({
      status: 'pending',
    });
  });

  it('hides a request of another client', () => {
    const event = aDecidedEvent({ request: { client: 'console' } });
    expect(sut(timeline([entry(Topics.AccessDecided, event)], 'console'), 'gateway')).toEqual({
      status: 'not-found',
    });
    expect(sut(timeline([entry(Topics.AccessDecided, event)]), 'gateway')).toEqual({ status: 'not-found' });
  });
});
