import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';

/**
 * The probes and the metrics scrape, which pino-http never sees (issue 12). Its middleware binds each request's
 * logger with `AsyncLocalStorage.run`, and the first `run` in a process switches on Node's promise hooks for
 * good: every promise of the Kafka path then pays for them (83 µs per message in a stage, bench/kafkajs.bench.ts).
 * A stage serves nothing but these routes, so without them it never switches the hooks on. They would be logged
 * at debug only anyway (a probe every few seconds must not flood the log, issue 15).
 */
export const UNLOGGED_ROUTES = [
  { path: 'health/live', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
];

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

/** pino-http's options of every service: JSON lines, the level by outcome, secrets redacted. */
export function httpLogOptions(service: string, level: string): Options<IncomingMessage, ServerResponse> {
  return {
    level,
    base: { service, pid: process.pid },
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    serializers: { req: requestLogFields },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}

/** nestjs-pino's options of every service: pino-http with the options above, on every route but the probes. */
export function loggerModuleParams(service: string, level: string, destination?: DestinationStream): Params {
  const options = httpLogOptions(service, level);
  return { pinoHttp: destination ? [options, destination] : options, exclude: UNLOGGED_ROUTES };
}
