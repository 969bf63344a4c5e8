import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';

const PROBE_PATH = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Personal data never written to logs. A `*` matches one level only: the top-level paths are listed too (a
 * `{ subject }` logged as it is was written in clear).
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers["x-clearance-signature"]',
  'subject.name',
  'subject.email',
  'email',
  '*.subject.name',
  '*.subject.email',
  '*.email',
];

/** What pino-std-serializers makes of a request, before `requestLogFields` picks from it. */
interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  remoteAddress?: string;
}

/**
 * The request as every line of its logger carries it: enough to find the request (id, method, URL, caller's
 * address), no headers. pino-http binds it to a child logger per request, serialized at once even when nothing
 * is logged; with the headers that was ~150 µs of each request (issue 12). Headers carry the credentials, so
 * leaving them out also keeps them out of every line, redaction or not.
 */
export function requestLogFields(req: SerializedRequest): SerializedRequest {
  return { id: req.id, method: req.method, url: req.url, remoteAddress: req.remoteAddress };
}

/** pino-http's options of every service: JSON lines, the level by outcome, probes at debug, secrets redacted. */
export function httpLogOptions(service: string, level: string): Options<IncomingMessage, ServerResponse> {
  return {
    level,
    base: { service, pid: process.pid },
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    serializers: { req: requestLogFields },
    // a probe or scrape every few seconds per service must not flood the log at info (issue 15)
    customLogLevel: (req, res, err) =>
      PROBE_PATH.test(req.url ?? '')
        ? 'debug'
        : err || res.statusCode >= 500
          ? 'error'
          : res.statusCode >= 400
            ? 'warn'
            : 'info',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}
