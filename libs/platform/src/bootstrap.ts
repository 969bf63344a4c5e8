import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { StageName } from '@clearance/contracts';
import { KafkaBatchServer } from '@clearance/kafka';
import { Logger } from 'nestjs-pino';
import { InvalidEnvironmentError, type BaseEnv } from './base.env';
import {
  FieldValidationException,
  ProblemException,
  routeTable,
  strictValidationPipe,
} from './problem-details.filter';
import { documentProblems } from './openapi.problems';
import { strictRequestSchemas } from './openapi.schemas';
import { charsetOf, jsonShapeProblem } from './strict-json.parser';
import { DEFAULT_PORTS, ENV } from './platform.options';

/** A drain takes a few seconds; longer than this and the log says what still holds the process. */
const SLOW_SHUTDOWN_MS = 8_000;

/** `application/json` (named as a string: it replaces Fastify's own parser) and the `+json` types. */
const JSON_CONTENT_TYPES = ['application/json', /^application\/[a-z0-9.-]+\+json(\s*;.*)?$/i] as const;

/**
 * The only body parser of every service: JSON in UTF-8, no key twice in one object, bounded depth. Registering
 * it first also keeps Nest from adding its form parser, so a form-encoded body is a 415 like any other
 * non-JSON type (Fastify's own text/plain parser is removed for the same reason).
 */
function useStrictJsonParser(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const parser: Parameters<NestFastifyApplication['useBodyParser']>[2] = (req, body, done) => {
    const charset = charsetOf(req.headers['content-type']);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(new ProblemException(415, `charset ${charset} is not supported: send UTF-8 JSON`), undefined);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      done(new ProblemException(400, 'the body is not valid UTF-8'), undefined);
      return;
    }
    const problem = jsonShapeProblem(text);
    if (problem !== undefined) {
      done(new FieldValidationException([problem]), undefined);
      return;
    }
    void parseJson(req as Parameters<typeof parseJson>[0], text, done);
  };
  for (const type of JSON_CONTENT_TYPES) app.useBodyParser(type, { bodyLimit }, parser);
}

/**
 * Fastify's `trustProxy` from HTTP_TRUSTED_PROXIES (validated with the rest of the environment at boot): only
 * the listed proxies may name the client in X-Forwarded-For; by default none may.
 */
export function trustedProxies(value: string | undefined): string[] | false {
  const list = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return list.length > 0 ? list : false;
}

/**
 * Every answer: `X-Content-Type-Options: nosniff` (a JSON or CSV body is never run as a script); API answers
 * (not the Swagger UI assets) also `Cache-Control: no-store`: decisions and audit records are not for caches.
 */
function useSafeResponseHeaders(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      void reply.header('X-Content-Type-Options', 'nosniff');
      if (!request.url.startsWith('/docs') && !reply.hasHeader('cache-control')) {
        void reply.header('Cache-Control', 'no-store');
      }
    });
}

export interface BootstrapOptions {
  service: StageName;
  title: string;
  description?: string;
  /** Largest accepted HTTP body; larger ones get 413. */
  bodyLimit?: number;
  /** Statuses every `/v1` operation may answer besides its own decorators (documented in OpenAPI). */
  problemStatuses?: number[];
  /** Called with the app before it listens (extra Fastify hooks, content-type parsers, ...). */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/** Builds the OpenAPI document of an app (also used by tests to check the served document). */
export function setupOpenApi(app: NestFastifyApplication, options: BootstrapOptions): void {
  const config = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description ?? `Clearance ${options.service} service`)
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = documentProblems(strictRequestSchemas(SwaggerModule.createDocument(app, config)), {
    ...(options.problemStatuses ? { statuses: options.problemStatuses } : {}),
  });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}

/**
 * Starts a Clearance service: Fastify HTTP app (health, metrics, OpenAPI at /docs) plus the Kafka batch
 * transport for its `@EventPattern` handlers, JSON logs, validated environment, graceful SIGTERM shutdown.
 */
export async function bootstrapService(
  module: Type,
  options: BootstrapOptions,
): Promise<NestFastifyApplication> {
  try {
    return await startService(module, options);
  } catch (err) {
    // one line naming what is wrong (e.g. the bad variable), then a non-zero exit: nothing is left running
    const reason =
      err instanceof InvalidEnvironmentError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service: options.service, msg: 'failed to start', err: reason })}\n`,
    );
    process.exit(1);
  }
}

async function startService(module: Type, options: BootstrapOptions): Promise<NestFastifyApplication> {
  const bodyLimit = options.bodyLimit ?? 64 * 1024;
  const adapter = new FastifyAdapter({
    bodyLimit,
    // longer path parameters reach the route's own validation (a problem document), not Fastify's bare 414
    maxParamLength: 2048,
    trustProxy: trustedProxies(process.env['HTTP_TRUSTED_PROXIES']),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    rawBody: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();
  warnOfSlowShutdown(app.get(Logger));
  app.useGlobalPipes(strictValidationPipe());
  useStrictJsonParser(app, bodyLimit);
  useSafeResponseHeaders(app);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => routeTable.add(route.url, route.method));
  setupOpenApi(app, options);
  await options.configure?.(app);

  // The transport is a DI provider so that it drains before the database connection closes on shutdown.
  // Not inheriting the HTTP pipes: event payloads are validated by the transport against the contracts.
  app.connectMicroservice({ strategy: app.get(KafkaBatchServer) }, { inheritAppConfig: false });

  const env = app.get<BaseEnv>(ENV);
  await app.init();
  await app.startAllMicroservices();
  const port = env.PORT ?? DEFAULT_PORTS[options.service];
  await app.listen(port, env.HOST);
  app.get(Logger).log({ msg: 'listening', service: options.service, url: await app.getUrl() });
  return app;
}

/**
 * A shutdown still running after SLOW_SHUTDOWN_MS logs what keeps the process alive, before a supervisor's
 * SIGKILL (Kubernetes: after terminationGracePeriodSeconds) takes the evidence away. The timer never holds the
 * process itself (unref).
 */
function warnOfSlowShutdown(logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    const started = Date.now();
    setTimeout(() => {
      const resources: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
      logger.warn({ msg: 'shutdown still running', signal, afterMs: Date.now() - started, resources });
    }, SLOW_SHUTDOWN_MS).unref();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, onSignal);
}
