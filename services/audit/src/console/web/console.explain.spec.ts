import {
  aDecidedEvent,
  aGeoSection,
  anIpGeo,
  aRequestedEvent,
  aVerificationSection,
} from '@clearance/testing';
import {
  describeDecision,
  describeEvent,
  describeGeo,
  describeScreening,
  explainTimeline,
  reasonsOf,
  type TimelineEvent,
} from './console.explain';

const stored = (topic: string, event: unknown): TimelineEvent => ({
  eventId: 'e',
  topic,
  eventType: 'type',
  producer: 'decision',
  time: '2026-03-03T10:00:00.000Z',
  storedAt: '2026-03-03T10:00:01.000Z',
  partition: 0,
  offset: '7',
  hash: 'ab',
  event,
});

describe('console.explain', () => {
  it('names the place, the network owner and each anonymizer signal with its data set', () => {
    const sut = describeGeo(
      aGeoSection({
        ip: anIpGeo({
          country: 'US',
          city: 'Fremont',
          subdivision: 'California',
          asn: 4134,
          asOrganization: 'Example Net',
          anonymizers: [{ kind: 'tor', source: 'tor-exit-list', detail: 'snapshot 2024-02-27' }],
        }),
        datasets: [{ name: 'dbip-city-lite', version: '2026-06' }],
      }),
    );
    expect(sut.rows).toEqual(
      expect.arrayContaining([
        ['Country', 'US'],
        ['Place', 'Fremont, California, US'],
        ['Network owner', 'AS4134 Example Net'],
        ['Tor exit node', 'yes'],
        ['VPN', 'no'],
      ]),
    );
    expect(sut.notes).toEqual(
      expect.arrayContaining([
        'Tor exit node signal from tor-exit-list (snapshot 2024-02-27).',
        'Data set: dbip-city-lite, 2026-06',
      ]),
    );
  });

  it('says so when geolocation was unavailable or the address is not routable', () => {
    const sut = describeGeo(
      aGeoSection({
        status: 'unavailable',
        ip: anIpGeo({ unroutable: true, range: 'private', country: 'unknown' }),
      }),
    );
    expect(sut.notes[0]).toMatch(/unavailable/);
    expect(sut.rows).toContainEqual(['Place', 'not routable on the internet (private)']);
  });

  it('gives each screening match with its list, entry and score', () => {
    const sut = describeScreening(
      aVerificationSection({
        screening: {
          status: 'potential-match',
          matches: [
            {
              field: 'subject-name',
              query: 'Manual Noriega',
              score: 0.931,
              list: 'ofac-sdn',
              entryId: '1572',
              listedName: 'NORIEGA, Manuel',
              programs: ['SDNTK'],
            },
          ],
          lists: [{ name: 'ofac-sdn', version: '2021-07' }],
        },
      }),
    );
    expect(sut.rows).toContainEqual(['Result', 'potential-match']);
    expect(sut.notes).toContain(
      '"Manual Noriega" (subject-name) resembles "NORIEGA, Manuel" on ofac-sdn, entry 1572, score 0.93, programmes SDNTK.',
    );
  });

  it('names the deciding rule, the policy and a shadow outcome that differs', () => {
    const event = aDecidedEvent();
    const decision = {
      ...event.decision,
      outcome: 'deny' as const,
      trace: [
        { rule: 'embargo', matched: false },
        { rule: 'tor', matched: true, outcome: 'deny' as const, reason: 'NET_TOR' },
      ],
      shadow: {
        outcome: 'allow' as const,
        reasons: [{ code: 'ALLOW_STANDARD', message: 'm' }],
        policy: { id: 'next', version: '2', hash: 'h' },
        differs: true,
      },
    };
    const sut = describeDecision(decision);
    expect(sut.rows).toContainEqual(['Deciding rule', 'tor (NET_TOR)']);
    expect(sut.rows).toContainEqual(['Policy hash', decision.policy.hash]);
    expect(sut.notes[0]).toMatch(/shadow policy next 2 would have decided allow \(ALLOW_STANDARD\)/);
  });

  it('reads the newest sections of the stored events and the reasons of the decision', () => {
    const decided = aDecidedEvent();
    const t = {
      requestId: decided.requestId,
      record: null,
      explanation: decided.decision,
      events: [stored('p.access.requested.v1', aRequestedEvent()), stored('p.access.decided.v1', decided)],
    };
    expect(explainTimeline(t).map((s) => s.title)).toEqual([
      'The decision',
      'The request',
      'Where it came from',
      'Who asked',
      'Denied-party screening',
      'Stage times',
    ]);
    expect(reasonsOf(t)).toEqual(decided.decision.reasons);
  });

  it('explains a request with no decision yet, and a dead letter', () => {
    const t = {
      requestId: 'r',
      record: null,
      explanation: null,
      events: [stored('access.requested.v1', aRequestedEvent())],
    };
    expect(explainTimeline(t)[0]).toEqual({
      title: 'The decision',
      rows: [],
      notes: ['No decision is stored for this request.'],
    });
    expect(
      describeEvent(stored('x.access.deadletter.v1', { kind: 'schema-violation', reason: 'bad geo' })),
    ).toBe('2026-03-03T10:00:00.000Z — dead-lettered by decision: schema-violation bad geo');
  });
});
