import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectConnection } from '@nestjs/mongoose';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { KafkaBatchServer, KafkaConnection, within } from '@clearance/kafka';
import type { Connection } from 'mongoose';
import { PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import type { ReadinessCheck } from './readiness';

const PING_TIMEOUT_MS = 2000;

/** Liveness says the process runs; readiness says its real dependencies answer (Kafka, MongoDB, own checks). */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly kafka: KafkaConnection,
    private readonly server: KafkaBatchServer,
    private readonly moduleRef: ModuleRef,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    @Optional() @InjectConnection() private readonly mongo?: Connection,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Kafka (and MongoDB where used) answer; 503 otherwise' })
  ready() {
    const checks: HealthIndicatorFunction[] = [() => this.check('kafka', () => this.kafkaReady())];
    if (this.options.mongo) checks.push(() => this.check('mongodb', () => this.mongoReady()));
    for (const cls of this.options.readiness ?? []) {
      checks.push(() => {
        const probe = this.moduleRef.get<ReadinessCheck>(cls, { strict: false });
        return this.check(probe.name, () => probe.check());
      });
    }
    return this.health.check(checks);
  }

  private async check(key: string, probe: () => Promise<void>) {
    const indicator = this.indicator.check(key);
    try {
      await probe();
      return indicator.up();
    } catch (err) {
      return indicator.down({ message: (err as Error).message });
    }
  }

  private async kafkaReady(): Promise<void> {
    const problem = this.server.healthProblem();
    if (problem) throw new Error(problem);
    await this.kafka.ping(PING_TIMEOUT_MS);
  }

  private async mongoReady(): Promise<void> {
    const db = this.mongo?.db;
    if (!db || this.mongo?.readyState !== 1) throw new Error('not connected');
    await within(db.command({ ping: 1 }), PING_TIMEOUT_MS, 'database');
  }
}
