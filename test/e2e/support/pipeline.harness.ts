import { createHash, randomUUID } from 'node:crypto';
import { type AccessDecidedV1, type StageName, type TopicName, Topics } from '@clearance/contracts';
import {
  type Collector,
  pollUntil,
  PrivateInfra,
  type ServiceProcess,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
} from '@clearance/testing';

export const DAY_MS = 86_400_000;
/** An ISO time `days` from now (negative: in the past). */
export const daysFromNow = (days: number): string => new Date(Date.now() + days * DAY_MS).toISOString();

export const STAGES: readonly StageName[] = ['audit', 'geolocation', 'verification', 'decision', 'ingest'];

/** Every topic of the pipeline: created up front so collectors can subscribe before a service produced. */
export const PIPELINE_TOPICS: readonly TopicName[] = [
  Topics.AccessRequested,
  Topics.AccessGeolocated,
  Topics.AccessVerified,
  Topics.AccessDecided,
  Topics.DeadLetter,
  Topics.SubjectVerification,
];

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Test credentials of one pipeline: the services only ever see their hashes. */
export class Credentials {
  readonly apiKey = `key-${randomUUID()}`;
  readonly adminToken = `admin-${randomUUID()}`;
  readonly auditorToken = `auditor-${randomUUID()}`;
  readonly webhookSecret = `whsec-${randomUUID()}`;

  get ingestKeys(): string {
    return `e2e-client:${sha256(this.apiKey)}`;
  }
  get adminTokens(): string {
    return `e2e-admin:${sha256(this.adminToken)}`;
  }
  get auditorTokens(): string {
    return `e2e-auditor:${sha256(this.auditorToken)}`;
  }
}

/** The same server with a database of the test's own (a fresh path segment). */
export function databaseUri(base: string, name: string): string {
  const uri = new URL(base);
  uri.pathname = `/${name}`;
  return uri.toString();
}

export interface PipelineOptions {
  brokers: string;
  /** The database server; each service that stores gets a database of its own on it, named `<database>_<service>`. */
  mongoUri: string;
  database: string;
  prefix: string;
  credentials: Credentials;
  /** Extra environment for every service (e.g. KAFKA_EXACTLY_ONCE). */
  env?: Record<string, string>;
}

/** The five services as separate processes sharing one topic prefix and one database. */
export class Pipeline {
  readonly services = new Map<StageName, ServiceProcess>();
  private auditPort?: number;

  constructor(private readonly options: PipelineOptions) {}

  /**
   * The database of one service. Separate databases, as in production: with FerretDB's SQLite backend a database
   * is one file, and the audit service's write load in a shared one stalls verification's index creation at start.
   */
  mongoUriOf(name: StageName): string {
    return databaseUri(this.options.mongoUri, `${this.options.database}_${name}`);
  }

  envOf(name: StageName): Record<string, string> {
    const { brokers, prefix, credentials, env } = this.options;
    const common: Record<string, string> = {
      KAFKA_BROKERS: brokers,
      MONGODB_URI: this.mongoUriOf(name),
      KAFKA_TOPIC_PREFIX: prefix,
      // one replica per stage, stable across its restarts: a restarted stage aborts what its killed
      // predecessor left open at once (exactly-once only; ignored otherwise)
      KAFKA_TRANSACTIONAL_ID: `${prefix}${name}-0`,
      ...env,
    };
    switch (name) {
      case 'ingest':
        return {
          ...common,
          INGEST_API_KEYS: credentials.ingestKeys,
          INGEST_RATE_LIMIT: '100000',
          INGEST_ADDRESS_RATE_LIMIT: '100000',
          AUDIT_URL: `http://127.0.0.1:${this.auditPort}`,
          AUDIT_TOKEN: credentials.auditorToken,
        };
      case 'verification':
        return {
          ...common,
          ADMIN_TOKENS: credentials.adminTokens,
          KYC_WEBHOOK_SECRET: credentials.webhookSecret,
        };
      case 'audit':
        return { ...common, AUDITOR_TOKENS: credentials.auditorTokens };
      case 'geolocation':
      case 'decision':
        return common;
    }
  }

  /** Starts (or restarts) one service and waits until it is ready. */
  async start(name: StageName): Promise<ServiceProcess> {
    const previous = this.services.get(name);
    if (previous?.running) throw new Error(`${name} is running already`);
    // ingest needs the audit service's address; keep each service's port across restarts
    const svc = await spawnService(name, { env: this.envOf(name), port: previous?.port });
    this.services.set(name, svc);
    if (name === 'audit') this.auditPort = svc.port;
    await svc.waitReady(120_000);
    return svc;
  }

  async startAll(): Promise<void> {
    // audit first: ingest is configured with its URL
    await this.start('audit');
    await Promise.all(STAGES.filter((s) => s !== 'audit').map((s) => this.start(s)));
  }

  get(name: StageName): ServiceProcess {
    const svc = this.services.get(name);
    if (!svc) throw new Error(`${name} was not started`);
    return svc;
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.kill()));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.stop()));
  }

  // --- HTTP clients ---------------------------------------------------------------------------------------

  ingest(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.get('ingest').baseUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.options.credentials.apiKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  async admin(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.get('verification').baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.options.credentials.adminToken}`,
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** PUT to the verification admin API; anything but 200 fails the caller. */
  async adminPut(path: string, body: unknown): Promise<void> {
    const res = await this.admin('PUT', path, body);
    if (res.status !== 200) throw new Error(`PUT ${path} → ${res.status} ${await res.text()}`);
  }

  /** Registers the approved domestic organisation `org-approved` and its entity-approved user `u-approved`. */
  async seedApprovedEntity(reason: string): Promise<void> {
    await this.adminPut('/v1/admin/organizations/org-approved', {
      legalName: 'Domestic Frontier Labs Inc',
      countryOfIncorporation: 'US',
      approval: {
        approvalId: `ap-${randomUUID()}`,
        approvedAt: daysFromNow(-30),
        expiresAt: daysFromNow(300),
        revoked: false,
      },
      egressRanges: [],
      reason: `${reason}: approved domestic entity`,
    });
    await this.adminPut('/v1/admin/users/u-approved', {
      level: 'entity-approved',
      organizationId: 'org-approved',
      residenceCountry: 'US',
      verifiedAt: daysFromNow(-1),
      expiresAt: daysFromNow(300),
      reason: `${reason} seed`,
    });
  }

  auditor(path: string): Promise<Response> {
    return fetch(`${this.get('audit').baseUrl}${path}`, {
      headers: { authorization: `Bearer ${this.options.credentials.auditorToken}` },
    });
  }

  /** Polls the auditor API until `accept` is satisfied by the request's timeline. */
  async auditTimeline(
    requestId: string,
    accept: (t: AuditTimeline) => boolean,
    timeoutMs = 30_000,
  ): Promise<AuditTimeline> {
    let last: AuditTimeline | undefined;
    return pollUntil(
      async () => {
        const res = await this.auditor(`/v1/audit/requests/${encodeURIComponent(requestId)}`);
        if (res.status !== 200) return undefined;
        last = (await res.json()) as AuditTimeline;
        return accept(last) ? last : undefined;
      },
      {
        timeoutMs,
        intervalMs: 200,
        what: `the audit record of ${requestId} (last: ${JSON.stringify(last?.events.map((e) => e.topic))})`,
      },
    );
  }
}

export interface AuditTimeline {
  requestId: string;
  record: Record<string, unknown> | null;
  events: { eventId: string; topic: string; producer: string; event: Record<string, unknown> }[];
  explanation: { outcome?: string; reasons?: { code: string }[] } | null;
}

/** The topic of a stored event without the test's prefix. */
export function baseTopic(topic: string, prefix: string): string {
  return topic.startsWith(prefix) ? topic.slice(prefix.length) : topic;
}

/** A pipeline over a broker and database of its own (which a fault test may stop), with a decision collector. */
export class PrivatePipeline {
  private constructor(
    readonly infra: PrivateInfra,
    readonly kafka: TestKafka,
    readonly pipeline: Pipeline,
    readonly prefix: string,
    readonly decided: Collector<AccessDecidedV1>,
  ) {}

  static async start(label: string, env: Record<string, string> = {}): Promise<PrivatePipeline> {
    const infra = await PrivateInfra.start();
    const kafka = new TestKafka(infra.brokers);
    const prefix = uniqueTopicPrefix(label);
    const pipeline = new Pipeline({
      brokers: infra.brokers,
      mongoUri: infra.mongoUri,
      database: `${label}_${randomUUID().slice(0, 8)}`,
      prefix,
      credentials: new Credentials(),
      env: { LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn', ...env },
    });
    try {
      await kafka.createTopics(prefix, PIPELINE_TOPICS);
      const decided = await kafka.collector<AccessDecidedV1>(prefix, Topics.AccessDecided, {
        readCommitted: true,
      });
      const started = new PrivatePipeline(infra, kafka, pipeline, prefix, decided);
      await pipeline.startAll();
      return started;
    } catch (err) {
      // the caller never gets an object to stop: leave no services, broker or database behind
      await pipeline.killAll().catch(() => undefined);
      await kafka.disconnect().catch(() => undefined);
      await infra.stop().catch(() => undefined);
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.pipeline.killAll();
    await this.kafka.disconnect();
    await this.infra.stop();
  }
}
