import type { ValidateFunction } from 'ajv';
import { classValidatorErrors } from '../validation';
import { Topics, type TopicName } from '../topics';
import { compileEventValidators } from './event.validator';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const T0 = '2026-11-27T00:00:00.000Z';
const ID = (n: number): string => `5b0f6f0e-8f0a-4c55-9d0e-2a7c3f1b9e${String(n).padStart(2, '0')}`;

// Every optional field filled, so that every decorator of every class is exercised by the mutations.
const request = (): Json => ({
  requestId: 'req-1',
  subject: {
    userId: 'u1',
    organizationId: 'org-1',
    name: 'Jane Example',
    organizationName: 'Example Labs',
    email: 'jane@example.com',
    claimedCountry: 'US',
  },
  network: { ip: '2001:4860:4860::8888', forwardedFor: ['8.8.4.4', '::1'], userAgent: 'curl/8' },
  resource: { model: 'frontier-1', action: 'fine-tune' },
  occurredAt: T0,
  client: 'api',
});
const ipGeo = (): Json => ({
  ip: '8.8.4.4',
  version: 4,
  country: 'UA',
  subdivision: 'Crimea',
  city: 'Sevastopol',
  asn: 7922,
  asOrganization: 'Example AS',
  unroutable: false,
  range: 'unicast',
  anonymizers: [{ kind: 'tor', source: 'tor-exit-list', detail: 'exit' }],
  sanctionedRegion: 'crimea',
  sanctionedRegionSource: 'dbip-city-lite:subdivision',
  operatorLists: [{ list: 'deny', label: 'bad', cidr: '8.8.4.0/24' }],
});
const envelope = (producer: string, n: number, stamps: Record<string, string>): Record<string, Json> => ({
  eventId: ID(n),
  requestId: 'req-1',
  time: T0,
  producer,
  causationId: ID(n - 1),
  timestamps: { requestedAt: T0, ...stamps },
});
const geo = (): Json => ({
  status: 'ok',
  ip: ipGeo(),
  forwardedFor: [
    ipGeo(),
    { ...(ipGeo() as object), version: 6, ip: '::1', country: 'unknown', unroutable: true },
  ],
  datasets: [{ name: 'dbip', version: '2026-11' }],
  evaluatedAt: T0,
});
const verification = (): Json => ({
  status: 'ok',
  stale: false,
  user: {
    found: true,
    level: 'identity',
    residenceCountry: 'DE',
    verifiedAt: T0,
    expiresAt: T0,
    expired: false,
    organizationId: 'org-1',
  },
  organization: {
    found: true,
    organizationId: 'org-1',
    legalName: 'Example Labs',
    countryOfIncorporation: 'US',
    parentName: 'Parent',
    parentCountry: 'CN',
    ownership: { foreignOwned: true, controllingCountry: 'CN', foreignShare: 51.5 },
    approval: { approvalId: 'a1', approvedAt: T0, expiresAt: T0, revoked: false, valid: true },
    egressRanges: ['10.0.0.0/8'],
    egressMatch: true,
  },
  screening: {
    status: 'potential-match',
    matches: [
      {
        field: 'subject-name',
        query: 'Jane',
        score: 0.91,
        list: 'ofac-sdn',
        entryId: '1',
        listedName: 'Jane X',
        programs: ['SDGT'],
      },
    ],
    lists: [{ name: 'ofac-sdn', version: 'h' }],
  },
  evaluatedAt: T0,
});
const policy = (): Json => ({
  id: 'p',
  version: '1',
  hash: 'sha256:x',
  datasets: [{ name: 'groups', version: '1' }],
});
const decision = (): Json => ({
  outcome: 'challenge',
  reasons: [{ code: 'GEO_EMBARGOED_COUNTRY', message: 'm' }],
  obligations: ['step-up:identity'],
  policy: policy(),
  tier: 'frontier',
  trace: [
    { rule: 'r1', matched: true, outcome: 'deny', reason: 'X' },
    { rule: 'r2', matched: false },
  ],
  ttlSeconds: 0,
  latency: { geolocationMs: 1.5, verificationMs: 2, decisionMs: 0, totalMs: 3.5 },
  shadow: {
    outcome: 'deny',
    reasons: [{ code: 'C', message: 'm' }],
    policy: policy(),
    obligations: [],
    tier: 't',
    differs: true,
  },
  decidedAt: T0,
});

// Sections an earlier topic carries are mutated there; here they are minimal, to keep class-validator quick.
const requestMin = (): Json => ({
  requestId: 'req-1',
  subject: { userId: 'u1' },
  network: { ip: '8.8.4.4' },
  resource: { model: 'm', action: 'inference' },
  occurredAt: T0,
  client: 'api',
});
const geoMin = (): Json => ({
  status: 'unavailable',
  ip: {
    ip: '10.0.0.1',
    version: 4,
    country: 'unknown',
    unroutable: true,
    anonymizers: [],
    operatorLists: [],
  },
  forwardedFor: [],
  datasets: [],
  evaluatedAt: T0,
});
const verificationMin = (): Json => ({
  status: 'unavailable',
  stale: true,
  user: { found: false, level: 'none', expired: false },
  screening: { status: 'unavailable', matches: [], lists: [] },
  evaluatedAt: T0,
});

const VALID: { topic: TopicName; event: Json }[] = [
  { topic: Topics.AccessRequested, event: { ...envelope('ingest', 1, {}), request: request() } },
  {
    topic: Topics.AccessGeolocated,
    event: { ...envelope('geolocation', 2, { geolocatedAt: T0 }), request: requestMin(), geo: geo() },
  },
  {
    topic: Topics.AccessVerified,
    event: {
      ...envelope('verification', 3, { geolocatedAt: T0, verifiedAt: T0 }),
      request: requestMin(),
      geo: geoMin(),
      verification: verification(),
    },
  },
  {
    topic: Topics.AccessDecided,
    event: {
      ...envelope('decision', 4, { geolocatedAt: T0, verifiedAt: T0, decidedAt: T0 }),
      request: requestMin(),
      geo: geoMin(),
      verification: verificationMin(),
      decision: decision(),
    },
  },
  {
    topic: Topics.DeadLetter,
    event: {
      eventId: ID(5),
      time: T0,
      producer: 'decision',
      requestId: 'req-1',
      kind: 'schema-violation',
      reason: 'r',
      details: ['a: b'],
      source: { topic: 't', partition: 0, offset: '12', key: 'k', headers: { ce_id: 'x' }, timestamp: '1' },
      payloadBase64: 'e30=',
    },
  },
  {
    topic: Topics.SubjectVerification,
    event: {
      eventId: ID(6),
      time: T0,
      actor: 'kyc',
      reason: 'sync',
      user: {
        userId: 'u1',
        level: 'email',
        residenceCountry: 'FR',
        verifiedAt: T0,
        expiresAt: T0,
        organizationId: 'org-1',
        name: 'Jane',
      },
      organization: {
        organizationId: 'org-1',
        legalName: 'Example',
        countryOfIncorporation: 'US',
        parentName: 'P',
        parentCountry: 'RU',
        foreignShare: 100,
        approval: { approvalId: 'a', approvedAt: T0, expiresAt: T0, revoked: true },
        egressRanges: ['1.2.3.0/24'],
      },
    },
  },
];

// Tried at every path: wrong types, bounds, arrays and objects.
const ANY: Json[] = [
  null,
  true,
  false,
  0,
  -0.5,
  -1,
  1,
  1.5,
  4,
  6,
  100,
  100.01,
  101,
  1e21,
  '',
  'x',
  '4',
  {},
  { extra: 1 },
  [],
  [1],
  ['x'],
  [null],
  [[]],
  ['8.8.8.8'],
  ['not-an-ip'],
  ['8.8.8.8', 'fe80::1%eth0'],
  [{}],
  Array<Json>(16).fill('8.8.8.8'),
  Array<Json>(17).fill('8.8.8.8'),
];
// Tried where the corpus has a string: what each format, length and pattern must or must not accept.
const STRINGS: Json[] = [
  ' ',
  '\uFE0F',
  'a\uFE0F',
  'a'.repeat(128),
  'a'.repeat(129),
  'a\uFE0F'.repeat(128),
  '😀'.repeat(128),
  '😀'.repeat(129),
  'a'.repeat(256),
  'a'.repeat(257),
  'a'.repeat(512),
  'a'.repeat(513),
  'US',
  'us',
  'Us',
  'XK',
  'ZZ',
  'USA',
  'unknown',
  'UNKNOWN',
  T0,
  '2026-11-27',
  '2026-11',
  '2026',
  '2026-W48',
  '2026-W48-5',
  '2026-331',
  '20261127T000000Z',
  '2026-11-27T00:00:00+01:00',
  '2026-11-27T00:00',
  '2026-13-01',
  '2026-02-30',
  '2026-11-27T25:00:00Z',
  '2026-11-27 00:00:00',
  'yesterday',
  ID(7),
  ID(7).toUpperCase(),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ID(7).replace(/-/g, ''),
  ID(7).slice(1),
  'not-a-uuid',
  '8.8.4.4',
  '0.0.0.0',
  '255.255.255.255',
  '1.2.3.256',
  '01.2.3.4',
  '1.2.3',
  '2001:4860:4860::8888',
  '::',
  '::ffff:1.2.3.4',
  'fe80::1%eth0',
  '2001:db8::g',
  '1:2:3:4:5:6:7:8:9',
  'localhost',
  'jane@example.com',
  'Jane.Doe+tag@sub.example.co.uk',
  'jane@localhost',
  'jane@',
  '@example.com',
  'jane example@example.com',
  'a'.repeat(245) + '@example.com',
  'inference',
  'weights-download',
  'Inference',
  '-x',
  '9x',
  'a'.repeat(64),
  'a'.repeat(65),
  'a\n',
  'allow',
  'deny',
  'challenge',
  'Allow',
  'ok',
  'unavailable',
  'tor',
  'vpn',
  'proxy',
  'hosting',
  'crimea',
  'Crimea',
  'ingest',
  'geolocation',
  'verification',
  'decision',
  'audit',
  'stage',
  'none',
  'email',
  'identity',
  'entity-approved',
  'clear',
  'potential-match',
  'match',
  'subject-name',
  'parent-name',
  'invalid-json',
  'handler-error',
  'oversized',
];

const DELETE = Symbol('delete');

function allPaths(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => {
    const child = (value as Record<string | number, Json>)[k]!;
    return [[...prefix, k], ...allPaths(child, [...prefix, k])];
  });
}

/**
 * The paths worth mutating: later array elements are the first one's class again, and a section an earlier
 * topic carries is mutated there (its class is the same); both are still replaced whole.
 */
function pathsToMutate(topic: TopicName, event: Json): Path[] {
  const inherited = INHERITED[topic] ?? [];
  return allPaths(event).filter(
    (p) =>
      !p.slice(0, -1).some((k, i) => typeof k === 'number' && k > 0 && i < p.length - 1) &&
      !(p.length > 1 && inherited.includes(String(p[0]))),
  );
}

const INHERITED: Partial<Record<TopicName, string[]>> = {
  [Topics.AccessGeolocated]: ['request'],
  [Topics.AccessVerified]: ['request', 'geo'],
  [Topics.AccessDecided]: ['request', 'geo', 'verification'],
};

function getAt(root: Json, path: Path): Json {
  return path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, root);
}

function setAt(root: Json, path: Path, value: Json | typeof DELETE): Json {
  const copy = structuredClone(root);
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, Json>;
  const key = path[path.length - 1]!;
  if (value !== DELETE) parent[key] = value;
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
  return copy;
}

function isPlainObject(v: Json): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An array in place of a nested object, or inside an array of nested objects. */
function arrayWhereObjectBelongs(original: Json, v: Json): boolean {
  if (!Array.isArray(v)) return false;
  if (isPlainObject(original)) return true;
  return Array.isArray(original) && isPlainObject(original[0] ?? null) && v.some((e) => Array.isArray(e));
}

interface Case {
  topic: TopicName;
  path: string;
  mutation: string;
  event: Json;
  /** class-validator accepts an array where a nested object belongs (it validates each element instead). */
  arrayForObject: boolean;
}

function* cases(topic: TopicName, event: Json): Generator<Case> {
  {
    for (const path of pathsToMutate(topic, event)) {
      const original = getAt(event, path);
      const isObject = isPlainObject(original);
      const at = path.join('.');
      yield { topic, path: at, mutation: 'delete', event: setAt(event, path, DELETE), arrayForObject: false };
      for (const v of typeof original === 'string' ? [...ANY, ...STRINGS] : ANY) {
        yield {
          topic,
          path: at,
          mutation: JSON.stringify(v).slice(0, 40),
          event: setAt(event, path, v),
          arrayForObject: arrayWhereObjectBelongs(original, v),
        };
      }
      if (isObject) {
        yield {
          topic,
          path: at,
          mutation: '[original]',
          event: setAt(event, path, [original]),
          arrayForObject: true,
        };
      }
      if (Array.isArray(original) && original.length > 0) {
        yield {
          topic,
          path: at,
          mutation: 'nested array',
          event: setAt(event, path, [original]),
          arrayForObject: typeof original[0] === 'object' && !Array.isArray(original[0]),
        };
      }
    }
  }
}

describe(compileEventValidators.name, () => {
  const sut = compileEventValidators();
  const check = (topic: TopicName, event: Json): boolean => (sut[topic] as ValidateFunction)(event);
  const reference = (topic: TopicName, event: Json): boolean =>
    classValidatorErrors(topic, event as object).length === 0;

  it('accepts every corpus event, as class-validator does', () => {
    for (const { topic, event } of VALID) {
      expect({ topic, schema: check(topic, event), classValidator: reference(topic, event) }).toEqual({
        topic,
        schema: true,
        classValidator: true,
      });
    }
  });

  it.each(VALID)(
    'agrees with class-validator on every mutation of $topic, or is stricter by design',
    ({ topic, event }) => {
      const divergent: string[] = [];
      const stricter: string[] = [];
      let total = 0;
      let rejected = 0;
      for (const c of cases(topic, event)) {
        total += 1;
        const schema = check(c.topic, c.event);
        const classValidator = reference(c.topic, c.event);
        if (!schema) rejected += 1;
        if (schema === classValidator) continue;
        const line = `${c.topic} ${c.path} = ${c.mutation}: schema ${schema}, class-validator ${classValidator}`;
        if (!schema && c.arrayForObject) stricter.push(line);
        else divergent.push(line);
      }

      expect(divergent).toEqual([]);
      // The corpus is not vacuous: many mutations are rejections, and the by-design cases do occur.
      expect(total).toBeGreaterThan(1_000);
      expect(rejected / total).toBeGreaterThan(0.3);
      expect(stricter.length).toBeGreaterThan(0);
    },
  );

  it('accepts unknown fields at every level', () => {
    for (const { topic, event } of VALID) {
      for (const path of [[], ...allPaths(event)]) {
        const node = getAt(event, path);
        if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
        const extended = path.length
          ? setAt(event, path, { ...node, addedInV1_1: { any: ['thing'] } })
          : { ...node, addedInV1_1: 1 };
        expect({ path: path.join('.'), ok: check(topic, extended) }).toEqual({
          path: path.join('.'),
          ok: reference(topic, extended),
        });
        expect(check(topic, extended)).toBe(true);
      }
    }
  });

  it('treats a __proto__ key as the unknown field it is, as class-validator does', () => {
    const [{ topic, event }] = VALID;
    const text = JSON.stringify(event).replace('{', '{"__proto__":{"eventId":"x"},');
    const parsed = JSON.parse(text) as Json;

    expect(check(topic, parsed)).toBe(reference(topic, parsed));
  });
});
