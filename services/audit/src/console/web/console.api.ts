/// <reference lib="dom" />
import { type Filter, filterToQuery } from './console.filters';
import type { Timeline } from './console.explain';

/** The auditor's token, for this tab only: sessionStorage is per tab and gone when the tab closes. */
const TOKEN_KEY = 'clearance.auditor-token';

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut(): void {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestRow {
  _id: string;
  time: string;
  userId?: string;
  organizationId?: string;
  country?: string;
  model?: string;
  tier?: string;
  outcome?: string;
  reasons?: string[];
  policyVersion?: string;
}

export interface RequestPage {
  items: RequestRow[];
  nextCursor?: string;
}

export interface StatsRow {
  bucket: string;
  key: string;
  count: number;
}

export interface StatsReport {
  bucket: 'hour' | 'day';
  byOutcome: StatsRow[];
  byCountry: StatsRow[];
  byReason: StatsRow[];
  byOutcomeReason: (StatsRow & { outcome: string })[];
}

export interface IntegrityBreak {
  kind: string;
  chain: string;
  seq: number;
  eventId?: string;
  detail: string;
}

export interface IntegrityReport {
  ok: boolean;
  checkedRecords: number;
  chains: { chain: string; records: number }[];
  heads: { chain: string; seq: number; hash: string }[];
  firstBreak?: IntegrityBreak;
}

/** The problem-details `detail` (or message) of an error answer, in words an auditor can act on. */
async function errorOf(res: Response): Promise<ApiError> {
  if (res.status === 401)
    return new ApiError(401, 'The auditor token was refused: it is wrong, or it has been revoked.');
  let text = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { detail?: unknown; message?: unknown };
    const detail = body.detail ?? body.message;
    if (detail) text = Array.isArray(detail) ? detail.join('; ') : String(detail);
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, text);
}

/** The read-only auditor API (docs/audit.md), called with the token of this tab. */
export class AuditorApi {
  constructor(private readonly token: string) {}

  private async get<T>(path: string, params: URLSearchParams): Promise<T> {
    const qs = params.toString();
    const res = await fetch(`/v1/audit/${path}${qs ? `?${qs}` : ''}`, {
      headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
      cache: 'no-store',
    });
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  page(filter: Filter, cursor?: string, limit = 50): Promise<RequestPage> {
    const p = filterToQuery(filter);
    p.set('limit', String(limit));
    if (cursor) p.set('cursor', cursor);
    return this.get('requests', p);
  }

  timeline(requestId: string): Promise<Timeline> {
    return this.get(`requests/${encodeURIComponent(requestId)}`, new URLSearchParams());
  }

  stats(filter: Filter, bucket: 'hour' | 'day'): Promise<StatsReport> {
    const p = filterToQuery(filter);
    p.set('bucket', bucket);
    return this.get('stats', p);
  }

  integrity(from?: string, to?: string): Promise<IntegrityReport> {
    const p = new URLSearchParams();
    if (from) p.set('from', from);
    if (to) p.set('to', to);
    return this.get('integrity', p);
  }
}
