import { statsReportOf } from './stats.report';

describe(statsReportOf.name, () => {
  it('folds the grouped counts into every breakdown, reasons split per outcome', () => {
    const sut = statsReportOf('day', [
      {
        bucket: '2026-07-04',
        outcome: 'deny',
        country: 'CU',
        reasons: ['GEO_EMBARGOED_COUNTRY', 'NET_VPN'],
        count: 2,
      },
      { bucket: '2026-07-04', outcome: 'deny', country: 'IR', reasons: ['GEO_EMBARGOED_COUNTRY'], count: 1 },
      {
        bucket: '2026-07-04',
        outcome: 'challenge',
        country: 'US',
        reasons: ['SCREENING_POTENTIAL_MATCH'],
        count: 1,
      },
      { bucket: '2026-07-03', outcome: 'allow', country: 'US', reasons: ['ALLOW_STANDARD'], count: 4 },
    ]);
    expect(sut.bucket).toBe('day');
    expect(sut.byOutcome).toEqual([
      { bucket: '2026-07-03', key: 'allow', count: 4 },
      { bucket: '2026-07-04', key: 'challenge', count: 1 },
      { bucket: '2026-07-04', key: 'deny', count: 3 },
    ]);
    expect(sut.byCountry).toEqual([
      { bucket: '2026-07-03', key: 'US', count: 4 },
      { bucket: '2026-07-04', key: 'CU', count: 2 },
      { bucket: '2026-07-04', key: 'IR', count: 1 },
      { bucket: '2026-07-04', key: 'US', count: 1 },
    ]);
    expect(sut.byReason).toEqual([
      { bucket: '2026-07-03', key: 'ALLOW_STANDARD', count: 4 },
      { bucket: '2026-07-04', key: 'GEO_EMBARGOED_COUNTRY', count: 3 },
      { bucket: '2026-07-04', key: 'NET_VPN', count: 2 },
      { bucket: '2026-07-04', key: 'SCREENING_POTENTIAL_MATCH', count: 1 },
    ]);
    expect(sut.byOutcomeReason).toEqual([
      { bucket: '2026-07-03', outcome: 'allow', key: 'ALLOW_STANDARD', count: 4 },
      { bucket: '2026-07-04', outcome: 'challenge', key: 'SCREENING_POTENTIAL_MATCH', count: 1 },
      { bucket: '2026-07-04', outcome: 'deny', key: 'GEO_EMBARGOED_COUNTRY', count: 3 },
      { bucket: '2026-07-04', outcome: 'deny', key: 'NET_VPN', count: 2 },
    ]);
  });

  it('counts a missing value as none, and a request without reasons once as none', () => {
    const sut = statsReportOf('hour', [{ bucket: '2026-07-04T01', reasons: [], count: 3 }]);
    expect(sut.byOutcome).toEqual([{ bucket: '2026-07-04T01', key: 'none', count: 3 }]);
    expect(sut.byCountry).toEqual([{ bucket: '2026-07-04T01', key: 'none', count: 3 }]);
    expect(sut.byReason).toEqual([{ bucket: '2026-07-04T01', key: 'none', count: 3 }]);
    expect(sut.byOutcomeReason).toEqual([
      { bucket: '2026-07-04T01', outcome: 'none', key: 'none', count: 3 },
    ]);
  });
});
