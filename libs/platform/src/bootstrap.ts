import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { StageName } from '@clearance/contracts';
import { KafkaBatchServer } from '@clearance/kafka';
import { Logger } from 'nestjs-pino';
import { InvalidEnvironmentError, type BaseEnv } from './base.env';
import { strictValidationPipe } from './problem-details.filter';
import { DEFAULT_PORTS, ENV } from './platform.options';

export interface BootstrapOptions {
  service: StageName;
  title: string;
  description?: string;
  /** Largest accepted HTTP body; larger ones get 413. */
  bodyLimit?: number;
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
  const document = SwaggerModule.createDocument(app, config);
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
  const adapter = new FastifyAdapter({ bodyLimit: options.bodyLimit ?? 64 * 1024, trustProxy: true });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    rawBody: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();
  app.useGlobalPipes(strictValidationPipe());
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
