import type { AccessVerifiedV1 } from '@clearance/contracts';

export type EnrichedEventOverrides = (event: AccessVerifiedV1) => void;

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

/**
 * An `access.verified.v1` event that the default policy allows for a frontier model: an approved US entity
 * on its registered egress range, screened clear. `patch` mutates the fresh copy (test and bench factory).
 * Decide at `ENRICHED_EVENT_DECIDE_AT` so evidence is 30 ms old.
 */
export function anEnrichedEvent(patch?: EnrichedEventOverrides): AccessVerifiedV1 {
  const event: AccessVerifiedV1 = {
    eventId: '6f1c9b8e-6a55-5c1e-9d2a-4f1e2c3b4a59',
    requestId: 'req-0001',
    time: iso(20),
    producer: 'verification',
    causationId: '1b7e4d2a-3c4f-5a6b-8c9d-0e1f2a3b4c5d',
    timestamps: { requestedAt: iso(0), geolocatedAt: iso(8), verifiedAt: iso(20) },
    request: {
      requestId: 'req-0001',
      subject: {
        userId: 'user-1',
        organizationId: 'org-1',
        name: 'Ada Example',
        organizationName: 'Example Labs Inc',
        email: 'ada@example.com',
        claimedCountry: 'US',
      },
      network: { ip: '198.51.100.7', userAgent: 'sdk/1.0' },
      resource: { model: 'frontier-1', action: 'inference' },
      occurredAt: iso(-5),
      client: 'upstream-api',
    },
    geo: {
      status: 'ok',
      ip: {
        ip: '198.51.100.7',
        version: 4,
        country: 'US',
        subdivision: 'CA',
        city: 'San Francisco',
        asn: 64500,
        asOrganization: 'Example Fiber',
        unroutable: false,
        anonymizers: [],
        operatorLists: [],
      },
      forwardedFor: [],
      datasets: [{ name: 'dbip-city-lite', version: '2026-06' }],
      evaluatedAt: iso(8),
    },
    verification: {
      status: 'ok',
      stale: false,
      user: {
        found: true,
        level: 'entity-approved',
        residenceCountry: 'US',
        verifiedAt: '2026-01-10T00:00:00.000Z',
        expiresAt: '2027-01-10T00:00:00.000Z',
        expired: false,
        organizationId: 'org-1',
      },
      organization: {
        found: true,
        organizationId: 'org-1',
        legalName: 'Example Labs Inc',
        countryOfIncorporation: 'US',
        ownership: { foreignOwned: false },
        approval: {
          approvalId: 'appr-1',
          approvedAt: '2026-02-01T00:00:00.000Z',
          expiresAt: '2027-02-01T00:00:00.000Z',
          revoked: false,
          valid: true,
        },
        egressRanges: ['198.51.100.0/24'],
        egressMatch: true,
      },
      screening: {
        status: 'clear',
        matches: [],
        lists: [{ name: 'ofac-sdn', version: '2021-01-01' }],
        stale: false,
      },
      evaluatedAt: iso(20),
    },
  };
  patch?.(event);
  return event;
}

/** The decision time the factory's evidence is fresh for (50 ms after the request). */
export const ENRICHED_EVENT_DECIDE_AT = T0 + 50;
