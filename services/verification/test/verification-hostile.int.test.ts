import { createHash, randomUUID } from 'node:crypto';
import { TestKafka, uniqueTopicPrefix, type ServiceProcess } from '@clearance/testing';
import { startVerification } from './verification.fixture';
import { kycSignature } from '../src/admin/kyc-signature.guard';

// Hostile input against the registry's HTTP side (issue 16). Real: the verification process, the broker, FerretDB.
const ADMIN_TOKEN = `admin-${randomUUID()}`;
const WEBHOOK_SECRET = `whsec-${randomUUID()}`;

describe('verification under hostile input', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('verification-hostile');
  let svc: ServiceProcess;

  const admin = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): Promise<Response> =>
    fetch(`${svc.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  const webhook = (
    raw: string,
    timestamp: string,
    signature = kycSignature(WEBHOOK_SECRET, timestamp, raw),
  ) =>
    fetch(`${svc.baseUrl}/v1/webhooks/kyc`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-clearance-timestamp': timestamp,
        'x-clearance-signature': signature,
      },
      body: raw,
    });

  const level = async (userId: string): Promise<unknown> =>
    ((await (await admin('GET', `/v1/admin/users/${userId}`)).json()) as { level?: string }).level;

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

  describe('KYC webhook replay (item 4)', () => {
    it('accepts a signed webhook once: the same bytes again are refused and change nothing', async () => {
      const userId = `u-${randomUUID()}`;
      const raw = JSON.stringify({ provider: 'acme', reason: 'kyc', user: { userId, level: 'identity' } });
      const ts = String(Math.floor(Date.now() / 1000));
      expect((await webhook(raw, ts)).status).toBe(204);
      const replay = await webhook(raw, ts);
      expect(replay.status).toBe(409);
      expect(replay.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it("never lets an older provider event revert an admin's later change", async () => {
      const userId = `u-${randomUUID()}`;
      const sentAt = Math.floor(Date.now() / 1000) - 5;
      const raw = JSON.stringify({
        provider: 'acme',
        reason: 'kyc',
        user: { userId, level: 'entity-approved' },
      });
      expect((await webhook(raw, String(sentAt))).status).toBe(204);
      const put = await admin('PUT', `/v1/admin/users/${userId}`, { level: 'none', reason: 'fraud found' });
      expect(put.status).toBe(200);
      // the provider's event (another delivery of it, or an older one) signed before the admin's change
      const older = JSON.stringify({
        provider: 'acme',
        reason: 'kyc again',
        user: { userId, level: 'entity-approved' },
      });
      const answer = await webhook(older, String(sentAt));
      expect(answer.status).toBe(409);
      expect(await level(userId)).toBe('none');
    });
  });

  describe('the admin API refuses what it cannot store as asked (item 7)', () => {
    it('answers 415 to a form-encoded PUT and writes nothing', async () => {
      const userId = `u-${randomUUID()}`;
      const answer = await admin('PUT', `/v1/admin/users/${userId}`, 'level=entity-approved&reason=x', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(answer.status).toBe(415);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await admin('GET', `/v1/admin/users/${userId}`)).status).toBe(404);
    });

    it('answers 415 to another charset and 400 to a key given twice', async () => {
      const userId = `u-${randomUUID()}`;
      const charset = await admin(
        'PUT',
        `/v1/admin/users/${userId}`,
        { level: 'none', reason: 'x' },
        {
          'content-type': 'application/json; charset=utf-16',
        },
      );
      expect(charset.status).toBe(415);
      const twice = await admin(
        'PUT',
        `/v1/admin/users/${userId}`,
        '{"level":"none","level":"entity-approved","reason":"x"}',
      );
      expect(twice.status).toBe(400);
      expect(await twice.json()).toMatchObject({ errors: [{ field: 'level' }] });
      expect((await admin('GET', `/v1/admin/users/${userId}`)).status).toBe(404);
    });

    it('answers 400 to control characters in a path id', async () => {
      for (const id of ['a%00b', 'a%0Ab', '%0D']) {
        const put = await admin('PUT', `/v1/admin/users/${id}`, { level: 'none', reason: 'x' });
        expect({ id, status: put.status }).toEqual({ id, status: 400 });
        expect((await admin('GET', `/v1/admin/organizations/${id}`)).status).toBe(400);
      }
    });

    it('bounds egressRanges', async () => {
      const ranges = Array.from({ length: 3000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
      const answer = await admin('PUT', `/v1/admin/organizations/org-${randomUUID()}`, {
        legalName: 'Many Ranges Inc',
        countryOfIncorporation: 'US',
        egressRanges: ranges,
        reason: 'x',
      });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ errors: [{ field: 'egressRanges' }] });
    });

    it('sends WWW-Authenticate with a 401', async () => {
      const res = await fetch(`${svc.baseUrl}/v1/admin/users/x`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });
  });
});
