import { Topics, type TopicName } from '@clearance/contracts';
import { aDeadLetter, aRequestChain } from '../../test/audit-event.factory';
import { createdRecord, projectEvent, type ProjectionUpdate } from './request.projection';

/** MongoDB's semantics of the operators the projection uses, on a plain object. */
function apply(record: Record<string, unknown>, { update }: ProjectionUpdate): Record<string, unknown> {
  const out = structuredClone(record);
  for (const [path, v] of Object.entries(update.$set ?? {})) {
    const keys = path.split('.');
    let at = out;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys[keys.length - 1]!] = v;
  }
  for (const [k, v] of Object.entries(update.$min))
    if (out[k] === undefined || (v as Date) < (out[k] as Date)) out[k] = v;
  for (const [k, v] of Object.entries(update.$max))
    if (out[k] === undefined || (v as Date) > (out[k] as Date)) out[k] = v;
  for (const [k, v] of Object.entries(update.$addToSet ?? {})) {
    const arr = (out[k] ??= []) as unknown[];
    if (!arr.includes(v)) arr.push(v);
  }
  return out;
}

function project(events: [TopicName, unknown][]): Record<string, unknown> {
  const storedAt = new Date('2026-11-27T03:00:00.000Z');
  return events.reduce(
    (rec, [topic, e]) => apply(rec, projectEvent(topic, e, storedAt)!),
    {} as Record<string, unknown>,
  );
}

describe(projectEvent.name, () => {
  const c = aRequestChain({
    organizationId: 'org-1',
    country: 'US',
    outcome: 'deny',
    reasons: ['NET_VPN', 'GEO_NOT_DOMESTIC'],
  });
  const inOrder: [TopicName, unknown][] = [
    [Topics.AccessRequested, c.requested],
    [Topics.AccessGeolocated, c.geolocated],
    [Topics.AccessVerified, c.verified],
    [Topics.AccessDecided, c.decided],
  ];

  it('gathers subject, address, country, model, outcome, reasons, policy and stage times', () => {
    const sut = project(inOrder);
    expect(sut).toMatchObject({
      userId: 'user-1',
      organizationId: 'org-1',
      ip: '203.0.113.7',
      country: 'US',
      model: 'frontier-1',
      outcome: 'deny',
      reasons: ['NET_VPN', 'GEO_NOT_DOMESTIC'],
      policyVersion: '2026.11.1',
      verificationLevel: 'entity-approved',
      screeningStatus: 'clear',
      time: new Date(c.requested.timestamps.requestedAt),
      hour: '2026-11-27T02',
      day: '2026-11-27',
      stages: { requested: c.requested.eventId, decided: c.decided.eventId },
      latency: { totalMs: 12 },
    });
    expect((sut['timestamps'] as Record<string, Date>)['geolocatedAt']).toEqual(
      new Date(c.geolocated.timestamps.geolocatedAt!),
    );
  });

  it('gives the same record in every arrival order and with redeliveries', () => {
    const expected = project(inOrder);
    const reversed = [...inOrder].reverse();
    const decidedFirstTwice: [TopicName, unknown][] = [
      inOrder[3]!,
      inOrder[0]!,
      inOrder[3]!,
      inOrder[2]!,
      inOrder[1]!,
      inOrder[0]!,
    ];
    expect(project(reversed)).toEqual(expected);
    expect(project(decidedFirstTwice)).toEqual(expected);
  });

  it('keeps the request time when a dead letter about the request arrives first', () => {
    const dl = aDeadLetter({ requestId: c.requested.requestId, time: '2026-11-27T02:30:00.000Z' });
    const sut = project([
      [Topics.DeadLetter, dl],
      [Topics.AccessRequested, c.requested],
    ]);
    expect(sut).toMatchObject({
      time: new Date(c.requested.timestamps.requestedAt),
      deadLetterKinds: ['schema-violation'],
    });
  });

  it('does not project a dead letter that names no request', () => {
    expect(projectEvent(Topics.DeadLetter, aDeadLetter(), new Date())).toBeUndefined();
  });
});

describe(createdRecord.name, () => {
  const storedAt = new Date('2026-11-27T03:00:00.000Z');

  it.each([
    [Topics.AccessRequested, 'requested'],
    [Topics.AccessDecided, 'decided'],
  ] as const)('is the record the upsert of a %s event creates', (topic, stage) => {
    const c = aRequestChain();
    const u = projectEvent(topic, c[stage], storedAt)!;
    const sut = createdRecord(u);
    expect(sut).toEqual({ _id: c.requested.requestId, ...apply({}, u) });
  });

  it('starts the dead-letter kinds of a new record with the one seen', () => {
    const dl = aDeadLetter({ requestId: 'req-1' });
    const sut = createdRecord(projectEvent(Topics.DeadLetter, dl, storedAt)!);
    expect(sut).toEqual({ _id: 'req-1', ...apply({}, projectEvent(Topics.DeadLetter, dl, storedAt)!) });
    expect(sut.deadLetterKinds).toEqual([dl.kind]);
  });

  it('is tried first only for the first stage of a request', () => {
    const c = aRequestChain();
    expect(projectEvent(Topics.AccessRequested, c.requested, storedAt)!.likelyNew).toBe(true);
    expect(projectEvent(Topics.AccessVerified, c.verified, storedAt)!.likelyNew).toBe(false);
  });
});
