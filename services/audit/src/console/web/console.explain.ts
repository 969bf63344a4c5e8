import type {
  AccessDecidedV1,
  AccessRequestV1,
  DatasetVersionV1,
  DecisionSectionV1,
  GeoSectionV1,
  IpGeoV1,
  RequestTimelineV1,
  TimelineEntryV1,
  VerificationSectionV1,
} from '@clearance/contracts';

/** One stored event as the auditor API returns it (`GET /v1/audit/requests/{id}`, docs/audit.md). */
export type TimelineEvent = TimelineEntryV1;
export type Timeline = RequestTimelineV1;

/** A block of the timeline in plain words: label/value rows and free sentences. */
export interface Section {
  title: string;
  rows: [label: string, value: string][];
  notes: string[];
}

type Sections = Partial<Pick<AccessDecidedV1, 'request' | 'geo' | 'verification' | 'decision'>>;

const section = (title: string): Section => ({ title, rows: [], notes: [] });
const yesNo = (b: boolean | undefined): string => (b ? 'yes' : 'no');
/** Data sets as sentences, one each: their versions carry long content hashes. */
const datasets = (label: string, list: DatasetVersionV1[] | undefined): string[] =>
  list?.length ? list.map((d) => `${label}: ${d.name}, ${d.version}`) : [`${label}: none recorded`];

const ANONYMIZER_WORDS: Record<string, string> = {
  tor: 'Tor exit node',
  vpn: 'VPN',
  proxy: 'public proxy',
  hosting: 'hosting / data-centre network',
};

/** The newest stored value of each section: the decided event carries all of them, earlier ones fewer. */
export function latestSections(events: readonly TimelineEvent[]): Sections {
  const out: Sections = {};
  for (const e of events) {
    const ev = e.event as Sections | null;
    if (!ev || typeof ev !== 'object') continue;
    if (ev.request) out.request = ev.request;
    if (ev.geo) out.geo = ev.geo;
    if (ev.verification) out.verification = ev.verification;
    if (ev.decision) out.decision = ev.decision;
  }
  return out;
}

export function describeRequest(r: AccessRequestV1): Section {
  const s = section('The request');
  s.rows.push(['Request id', r.requestId], ['Subject', r.subject.userId]);
  if (r.subject.name) s.rows.push(['Name', r.subject.name]);
  if (r.subject.organizationId) s.rows.push(['Organisation', r.subject.organizationId]);
  if (r.subject.organizationName) s.rows.push(['Organisation name', r.subject.organizationName]);
  if (r.subject.claimedCountry) s.rows.push(['Claimed country', r.subject.claimedCountry]);
  s.rows.push(
    ['Address', r.network.ip],
    ['Model', r.resource.model],
    ['Action', r.resource.action],
    ['Client', r.client],
    ['Occurred at', r.occurredAt],
  );
  if (r.network.forwardedFor?.length) s.rows.push(['Forwarded for', r.network.forwardedFor.join(', ')]);
  return s;
}

function place(ip: IpGeoV1): string {
  if (ip.unroutable) return `not routable on the internet (${ip.range ?? 'reserved range'})`;
  return [ip.city, ip.subdivision, ip.country].filter(Boolean).join(', ');
}

export function describeGeo(geo: GeoSectionV1): Section {
  const s = section('Where it came from');
  if (geo.status === 'unavailable')
    s.notes.push('Geolocation was unavailable: the policy denies in that case.');
  const ip = geo.ip;
  s.rows.push(['Address', ip.ip], ['Country', ip.country], ['Place', place(ip) || 'unknown']);
  if (ip.subdivision) s.rows.push(['Region', ip.subdivision]);
  s.rows.push([
    'Network owner',
    ip.asn !== undefined ? `AS${ip.asn} ${ip.asOrganization ?? ''}`.trim() : 'unknown',
  ]);
  const kinds = new Set(ip.anonymizers.map((a) => a.kind));
  for (const kind of ['vpn', 'tor', 'hosting', 'proxy'])
    s.rows.push([ANONYMIZER_WORDS[kind]!, kinds.has(kind as never) ? 'yes' : 'no']);
  for (const a of ip.anonymizers)
    s.notes.push(
      `${ANONYMIZER_WORDS[a.kind] ?? a.kind} signal from ${a.source}${a.detail ? ` (${a.detail})` : ''}.`,
    );
  if (ip.sanctionedRegion)
    s.notes.push(
      `In the sanctioned region ${ip.sanctionedRegion}${ip.sanctionedRegionSource ? ` (placed by ${ip.sanctionedRegionSource})` : ''}.`,
    );
  for (const m of ip.operatorLists) s.notes.push(`On the operator ${m.list} list "${m.label}" (${m.cidr}).`);
  for (const f of geo.forwardedFor) s.notes.push(`Forwarded-for address ${f.ip}: ${place(f) || f.country}.`);
  s.rows.push(['Evaluated at', geo.evaluatedAt]);
  s.notes.push(...datasets('Data set', geo.datasets));
  return s;
}

export function describeVerification(v: VerificationSectionV1): Section {
  const s = section('Who asked');
  if (v.status === 'unavailable')
    s.notes.push('The subject registry was unavailable: the policy denies in that case.');
  if (v.stale) s.notes.push('The registry data was older than the freshness bound (stale).');
  const u = v.user;
  s.rows.push(['Known to the registry', yesNo(u.found)], ['Verification level', u.level]);
  if (u.residenceCountry) s.rows.push(['Residence country', u.residenceCountry]);
  if (u.verifiedAt) s.rows.push(['Verified at', u.verifiedAt]);
  if (u.expiresAt) s.rows.push(['Verification expires', `${u.expiresAt}${u.expired ? ' (expired)' : ''}`]);
  const o = v.organization;
  if (o) {
    s.rows.push(['Organisation', `${o.legalName ?? o.organizationId} (${o.organizationId})`]);
    s.rows.push(['Organisation known', yesNo(o.found)]);
    if (o.countryOfIncorporation) s.rows.push(['Incorporated in', o.countryOfIncorporation]);
    if (o.parentName)
      s.rows.push(['Parent', `${o.parentName}${o.parentCountry ? ` (${o.parentCountry})` : ''}`]);
    const a = o.approval;
    s.rows.push([
      'Approval',
      a
        ? `${a.approvalId}, approved ${a.approvedAt}${a.expiresAt ? `, expires ${a.expiresAt}` : ''}${a.revoked ? ', revoked' : ''} — ${a.valid ? 'valid' : 'not valid'}`
        : 'none',
    ]);
    const own = o.ownership;
    s.rows.push([
      'Ownership',
      own.foreignOwned
        ? `foreign-owned${own.controllingCountry ? ` from ${own.controllingCountry}` : ''}${own.foreignShare !== undefined ? ` (${own.foreignShare} %)` : ''}`
        : 'not foreign-owned',
    ]);
    s.rows.push(['Egress range registered', o.egressMatch ? 'the address is in a registered range' : 'no']);
  }
  s.rows.push(['Evaluated at', v.evaluatedAt]);
  return s;
}

export function describeScreening(v: VerificationSectionV1): Section {
  const s = section('Denied-party screening');
  const sc = v.screening;
  s.rows.push(['Result', sc.status], ['Lists used', String(sc.lists.length)]);
  if (sc.matches.length === 0) s.notes.push('No list entry came close.');
  for (const m of sc.matches)
    s.notes.push(
      `"${m.query}" (${m.field}) resembles "${m.listedName}" on ${m.list}, entry ${m.entryId}, score ${m.score.toFixed(2)}${m.programs.length ? `, programmes ${m.programs.join(', ')}` : ''}.`,
    );
  s.notes.push(...datasets('List', sc.lists));
  return s;
}

export function describeDecision(d: DecisionSectionV1): Section {
  const s = section('The decision');
  s.rows.push(['Outcome', d.outcome]);
  if (d.tier) s.rows.push(['Model tier', d.tier]);
  s.rows.push(['Policy', `${d.policy.id} version ${d.policy.version}`], ['Policy hash', d.policy.hash]);
  const rule = d.trace.find((t) => t.matched);
  s.rows.push([
    'Deciding rule',
    rule ? `${rule.rule}${rule.reason ? ` (${rule.reason})` : ''}` : 'none matched',
  ]);
  if (d.obligations.length) s.rows.push(['Obligations', d.obligations.join(', ')]);
  s.rows.push(['Decided at', d.decidedAt]);
  if (d.policy.datasets?.length) s.notes.push(...datasets('Policy data', d.policy.datasets));
  if (d.shadow && (d.shadow.differs ?? d.shadow.outcome !== d.outcome))
    s.notes.push(
      `The shadow policy ${d.shadow.policy.id} ${d.shadow.policy.version} would have decided ${d.shadow.outcome} (${d.shadow.reasons.map((r) => r.code).join(', ') || 'no reason'}); it is recorded, never enforced.`,
    );
  return s;
}

/** Stage times: what each stage took (from the decision's latency) or, before a decision, from the timestamps. */
export function describeStageTimes(sections: Sections): Section {
  const s = section('Stage times');
  const lat = sections.decision?.latency;
  const ms = (v: number | undefined): string => (v === undefined ? '—' : `${Math.round(v)} ms`);
  if (lat)
    s.rows.push(
      ['Geolocation', ms(lat.geolocationMs)],
      ['Verification', ms(lat.verificationMs)],
      ['Decision', ms(lat.decisionMs)],
      ['Total', ms(lat.totalMs)],
    );
  else s.notes.push('No decision stored yet.');
  return s;
}

/** The plain-words sections of a request's timeline, in reading order. */
export function explainTimeline(t: Timeline): Section[] {
  const sections = latestSections(t.events);
  const out: Section[] = [];
  if (sections.decision) out.push(describeDecision(sections.decision));
  else out.push({ title: 'The decision', rows: [], notes: ['No decision is stored for this request.'] });
  if (sections.request) out.push(describeRequest(sections.request));
  if (sections.geo) out.push(describeGeo(sections.geo));
  if (sections.verification)
    out.push(describeVerification(sections.verification), describeScreening(sections.verification));
  out.push(describeStageTimes(sections));
  return out;
}

/** Every reason of the decision, the deciding one first. */
export function reasonsOf(t: Timeline): { code: string; message: string }[] {
  return latestSections(t.events).decision?.reasons ?? [];
}

const STAGE_WORDS: Record<string, string> = {
  'access.requested.v1': 'accepted by ingest',
  'access.geolocated.v1': 'geolocated',
  'access.verified.v1': 'verified and screened',
  'access.decided.v1': 'decided',
  'access.deadletter.v1': 'dead-lettered',
};

/** One sentence per stored event, in time order. Topics may carry a deployment prefix. */
export function describeEvent(e: TimelineEvent): string {
  const base = Object.keys(STAGE_WORDS).find((t) => e.topic.endsWith(t));
  const words = base ? STAGE_WORDS[base] : e.topic;
  const ev = e.event as { kind?: string; reason?: string } | null;
  const extra =
    base === 'access.deadletter.v1' && ev ? `: ${ev.kind ?? ''} ${ev.reason ?? ''}`.trimEnd() : '';
  return `${e.time} — ${words} by ${e.producer}${extra}`;
}
