import { createHash, randomUUID } from 'node:crypto';
import { TestKafka, uniqueTopicPrefix, type ServiceProcess } from '@clearance/testing';
import { startVerification } from './verification.fixture';

// The admin API's edge says what its OpenAPI document says (found while making Schemathesis pass): one spelling
// per country, plain CIDR text only, null taken as "not given". Real: the verification process, broker, FerretDB.
const ADMIN_TOKEN = `admin-${randomUUID()}`;

describe('verification admin API edge', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('verification-edge');
  let svc: ServiceProcess;

  async function put(
    path: string,
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${svc.baseUrl}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const fields = (body: Record<string, unknown>): string[] =>
    ((body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field);
  const anOrganization = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    legalName: 'Example Inc',
    countryOfIncorporation: 'US',
    egressRanges: ['203.0.113.0/24', '2001:db8::/32'],
    reason: 'onboarding',
    ...overrides,
  });

  beforeAll(async () => {
    svc = await startVerification(kafka, prefix, {
      database: 'verification_edge',
      env: { ADMIN_TOKENS: `tester:${createHash('sha256').update(ADMIN_TOKEN).digest('hex')}` },
    });
  });

  afterAll(async () => {
    await svc?.stop();
    await kafka.disconnect();
  });

  it('refuses a lower-case country code, naming the field, where the upper-case one is taken', async () => {
    const user = `/v1/admin/users/u-${randomUUID()}`;
    const lower = await put(user, { level: 'identity', residenceCountry: 'us', reason: 'kyc' });
    expect(lower.status).toBe(400);
    expect(fields(lower.body)).toContain('residenceCountry');
    expect((await put(user, { level: 'identity', residenceCountry: 'US', reason: 'kyc' })).status).toBe(200);

    const org = `/v1/admin/organizations/o-${randomUUID()}`;
    const answer = await put(org, anOrganization({ countryOfIncorporation: 'us', parentCountry: 'cn' }));
    expect(answer.status).toBe(400);
    expect(fields(answer.body)).toEqual(expect.arrayContaining(['countryOfIncorporation', 'parentCountry']));
  });

  it('takes egress ranges only as plain CIDR text', async () => {
    const org = `/v1/admin/organizations/o-${randomUUID()}`;
    for (const range of ['0x7f000001/8', '127.1/8', 'fe80::1%eth0/64', '203.0.113.0/33']) {
      const answer = await put(org, anOrganization({ egressRanges: [range] }));
      expect({ range, status: answer.status }).toEqual({ range, status: 400 });
      expect(fields(answer.body)).toContain('egressRanges');
    }
    expect((await put(org, anOrganization())).status).toBe(200);
  });

  it('takes null in an optional field as not given', async () => {
    const org = `/v1/admin/organizations/o-${randomUUID()}`;
    const answer = await put(org, anOrganization({ approval: null, parentCountry: null, parentName: null }));
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('approval');
    expect(answer.body).not.toHaveProperty('parentCountry');
  });
});
