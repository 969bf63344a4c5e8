import { createHash, randomUUID } from 'node:crypto';
import {
  Topics,
  validateEvent,
  type AccessGeolocatedV1,
  type AccessVerifiedV1,
  type SubjectVerificationV1,
} from '@clearance/contracts';
import {
  aGeolocatedEvent,
  pollUntil,
  TestKafka,
  uniqueTopicPrefix,
  type ServiceProcess,
} from '@clearance/testing';
import { startVerification } from './verification.fixture';
import { kycSignature } from '../src/admin/kyc-signature.guard';

// Real: the verification service as a process, the broker, FerretDB. Nothing faked.
const ADMIN_TOKEN = `admin-${randomUUID()}`;
const WEBHOOK_SECRET = `whsec-${randomUUID()}`;
const DAY = 86_400_000;
const iso = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY).toISOString();

describe('verification service', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('verification');
  let svc: ServiceProcess;

  const admin = (method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<Response> =>
    fetch(`${svc.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const webhook = (raw: string, timestamp: string, signature: string): Promise<Response> =>
    fetch(`${svc.baseUrl}/v1/webhooks/kyc`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-clearance-timestamp': timestamp,
        'x-clearance-signature': signature,
      },
      body: raw,
    });

  beforeAll(async () => {
    svc = await startVerification(kafka, prefix, {
      database: 'verification',
      env: {
        ADMIN_TOKENS: `tester:${createHash('sha256').update(ADMIN_TOKEN).digest('hex')}`,
        KYC_WEBHOOK_SECRET: WEBHOOK_SECRET,
      },
    });
  });

  afterAll(async () => {
    await svc?.stop();
    await kafka.disconnect();
  });

  it('writes registry records with a history entry for every change, and none for a repeat', async () => {
    const org = {
      legalName: 'History Labs Inc',
      countryOfIncorporation: 'US',
      egressRanges: ['198.51.100.0/24'],
      reason: 'onboarding',
    };
    expect((await admin('PUT', '/v1/admin/organizations/org-h', org)).status).toBe(200);
    const changed = await admin('PUT', '/v1/admin/organizations/org-h', {
      ...org,
      legalName: 'History Labs LLC',
      reason: 'renamed',
    });
    expect(await changed.json()).toMatchObject({
      legalName: 'History Labs LLC',
      version: 2,
      updatedBy: 'admin:tester',
      changed: true,
    });
    const repeat = await admin('PUT', '/v1/admin/organizations/org-h', {
      ...org,
      legalName: 'History Labs LLC',
      reason: 'again',
    });
    expect(await repeat.json()).toMatchObject({ version: 2, changed: false });

    const history = (await (await admin('GET', '/v1/admin/organizations/org-h/history')).json()) as Record<
      string,
      unknown
    >[];
    expect(history).toHaveLength(2);
    expect(history[1]).toMatchObject({
      actor: 'admin:tester',
      source: 'admin',
      reason: 'renamed',
      version: 2,
      applied: true,
      before: { legalName: 'History Labs Inc' },
      after: { legalName: 'History Labs LLC' },
    });
  });

  it('refuses admin calls without a valid token and bodies that do not validate', async () => {
    expect((await admin('GET', '/v1/admin/users/x', undefined, 'wrong')).status).toBe(401);
    const bad = await admin('PUT', '/v1/admin/organizations/org-bad', {
      legalName: 'X',
      countryOfIncorporation: 'US',
      egressRanges: ['not-a-cidr'],
      reason: 'r',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((await admin('GET', '/v1/admin/organizations/org-bad')).status).toBe(404);
  });

  it('applies a KYC webhook with a good signature and refuses a bad or stale one, changing nothing', async () => {
    const body = JSON.stringify({
      provider: 'acme-kyc',
      reason: 'identity verified',
      user: { userId: 'u-webhook', level: 'identity', residenceCountry: 'US' },
    });
    const now = String(Math.floor(Date.now() / 1000));
    const forged = JSON.stringify({
      provider: 'acme-kyc',
      reason: 'x',
      user: { userId: 'u-forged', level: 'entity-approved' },
    });
    expect((await webhook(forged, now, kycSignature('not-the-secret', now, forged))).status).toBe(401);
    const old = String(Math.floor(Date.now() / 1000) - 301);
    expect((await webhook(forged, old, kycSignature(WEBHOOK_SECRET, old, forged))).status).toBe(401);
    expect((await admin('GET', '/v1/admin/users/u-forged')).status).toBe(404);

    expect((await webhook(body, now, kycSignature(WEBHOOK_SECRET, now, body))).status).toBe(204);
    const user = await (await admin('GET', '/v1/admin/users/u-webhook')).json();
    expect(user).toMatchObject({ level: 'identity', updatedBy: 'kyc:acme-kyc' });
  });

  it('syncs registry records from subjects.verification.v1', async () => {
    const update: SubjectVerificationV1 = {
      eventId: randomUUID(),
      time: new Date().toISOString(),
      actor: 'back-office',
      reason: 'bulk sync',
      user: { userId: 'u-sync', level: 'email' },
    };
    await kafka.produceRaw(prefix, Topics.SubjectVerification, [
      { key: 'u-sync', value: JSON.stringify(update) },
    ]);
    const user = await pollUntil(
      async () => {
        const res = await admin('GET', '/v1/admin/users/u-sync');
        return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 60_000, what: 'the synced user' },
    );
    expect(user).toMatchObject({ level: 'email', updatedBy: 'back-office' });
  });

  it('adds the verification section: levels, approvals, ownership and screening', async () => {
    const put = async (path: string, body: unknown): Promise<void> => {
      const res = await admin('PUT', path, body);
      expect(res.status).toBe(200);
    };
    const approval = (over: Record<string, unknown> = {}) => ({
      approvalId: `ap-${randomUUID()}`,
      approvedAt: iso(-30),
      expiresAt: iso(300),
      revoked: false,
      ...over,
    });
    await put('/v1/admin/organizations/org-ok', {
      legalName: 'Domestic Labs Inc',
      countryOfIncorporation: 'US',
      approval: approval(),
      egressRanges: ['203.0.113.0/24'],
      reason: 'r',
    });
    await put('/v1/admin/organizations/org-expired', {
      legalName: 'Lapsed Labs Inc',
      countryOfIncorporation: 'US',
      approval: approval({ approvedAt: iso(-400), expiresAt: iso(-1) }),
      egressRanges: [],
      reason: 'r',
    });
    await put('/v1/admin/organizations/org-revoked', {
      legalName: 'Revoked Labs Inc',
      countryOfIncorporation: 'US',
      approval: approval({ revoked: true }),
      egressRanges: [],
      reason: 'r',
    });
    await put('/v1/admin/organizations/org-foreign', {
      legalName: 'Subsidiary Labs Inc',
      countryOfIncorporation: 'US',
      parentName: 'Parent Holdings',
      parentCountry: 'CN',
      foreignShare: 60,
      approval: approval(),
      egressRanges: [],
      reason: 'r',
    });
    const users: [string, string, string | undefined][] = [
      ['u-none', 'none', undefined],
      ['u-email', 'email', undefined],
      ['u-identity', 'identity', undefined],
      ['u-approved', 'entity-approved', 'org-ok'],
      ['u-expired', 'entity-approved', 'org-expired'],
      ['u-revoked', 'entity-approved', 'org-revoked'],
      ['u-foreign', 'entity-approved', 'org-foreign'],
    ];
    for (const [userId, level, organizationId] of users) {
      await put(`/v1/admin/users/${userId}`, {
        level,
        organizationId,
        verifiedAt: iso(-1),
        expiresAt: iso(300),
        reason: 'r',
      });
    }

    const request = (userId: string, name?: string): AccessGeolocatedV1 =>
      aGeolocatedEvent({
        request: {
          subject: { userId, name, organizationName: undefined, organizationId: undefined },
          network: { ip: '203.0.113.9' },
        },
      });
    const inputs = {
      none: request('u-none', 'Jennifer Anderson'),
      email: request('u-email'),
      identity: request('u-identity'),
      approved: request('u-approved'),
      expired: request('u-expired'),
      revoked: request('u-revoked'),
      foreign: request('u-foreign'),
      unknown: request('u-never-seen'),
      // SDN entry 35173, designated under EO 14024 in 2022: not in the 2021 snapshot
      exact: request('u-identity', 'Sergei Kuzhugetovich Shoigu'),
      alias: request('u-identity', 'National Bank of Cuba'),
      misspelt: request('u-identity', 'Hasan Nasralah'),
    };
    const out = await kafka.collector<AccessVerifiedV1>(prefix, Topics.AccessVerified);
    await kafka.produce(prefix, Topics.AccessGeolocated, Object.values(inputs));
    await out.waitForCount(Object.keys(inputs).length, 60_000);
    const by = (input: AccessGeolocatedV1): AccessVerifiedV1 => {
      const found = out.messages.find((m) => m.event.requestId === input.requestId);
      if (!found) throw new Error(`no output for ${input.requestId}`);
      expect(validateEvent(Topics.AccessVerified, found.event).ok).toBe(true);
      return found.event;
    };

    for (const [key, level] of [
      ['none', 'none'],
      ['email', 'email'],
      ['identity', 'identity'],
    ] as const) {
      expect(by(inputs[key]).verification).toMatchObject({
        status: 'ok',
        stale: false,
        user: { found: true, level },
      });
    }
    const approved = by(inputs.approved);
    expect(approved.verification.organization).toMatchObject({
      found: true,
      approval: { valid: true },
      egressMatch: true,
      ownership: { foreignOwned: false },
    });
    expect(approved.causationId).toBe(inputs.approved.eventId);
    expect(approved.timestamps.verifiedAt).toBeDefined();
    expect(by(inputs.expired).verification.organization?.approval).toMatchObject({
      valid: false,
      revoked: false,
    });
    expect(by(inputs.revoked).verification.organization?.approval).toMatchObject({
      valid: false,
      revoked: true,
    });
    expect(by(inputs.foreign).verification.organization?.ownership).toEqual({
      foreignOwned: true,
      controllingCountry: 'CN',
      foreignShare: 60,
    });
    expect(by(inputs.unknown).verification.user).toEqual({ found: false, level: 'none', expired: false });

    expect(by(inputs.none).verification.screening).toMatchObject({ status: 'clear', matches: [] });
    expect(by(inputs.exact).verification.screening).toMatchObject({
      status: 'match',
      matches: [{ field: 'subject-name', list: 'ofac-sdn', entryId: '35173', programs: ['RUSSIA-EO14024'] }],
      stale: false,
    });
    expect(by(inputs.alias).verification.screening.matches[0]).toMatchObject({
      entryId: '306',
      listedName: 'NATIONAL BANK OF CUBA',
    });
    const misspelt = by(inputs.misspelt).verification.screening;
    expect(['match', 'potential-match']).toContain(misspelt.status);
    expect(misspelt.matches[0]?.entryId).toBe('2686');
    expect(misspelt.lists.map((l) => l.name)).toEqual(['ofac-sdn', 'csl']);
    expect(misspelt.lists[0]!.version).toMatch(/^2024-05-03;sha256:[0-9a-f]{64}$/);
  });
});
