import type { ServiceProcess } from '@clearance/testing';

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface CallInit {
  method?: string;
  /** Bearer key; unset: the caller's default, null: no Authorization header. */
  key?: string | null;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string exactly as given, with only the headers given (e.g. none at all). */
  body?: string | object;
}

/** An HTTP client of one ingest process's tests, authenticated with `defaultKey` unless told otherwise. */
export function ingestCaller(defaultKey: string) {
  return async function call(svc: ServiceProcess, path: string, init: CallInit = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers };
    const key = init.key === undefined ? defaultKey : init.key;
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    let body: string | undefined;
    if (typeof init.body === 'string') body = init.body;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${svc.baseUrl}${path}`, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
    });
    const text = await res.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // a non-JSON answer (e.g. a proxy's page) is kept for the assertion's message
      parsed = { text };
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
}
