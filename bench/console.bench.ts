/**
 * Auditor console benchmark, in a real browser (Debian's Chromium), against the test-profile broker and
 * database (or KAFKA_BROKERS / MONGODB_URI):
 *   node -r @swc-node/register bench/console.bench.ts [--records 100000] [--days 30] [--events 4] [--rounds 3]
 *     [--all-time 1]
 * Starts the audit service on a database of its own and fills it raw (insertMany, the documented shapes):
 * --records request records in `audit_requests`, one every (--days / --records) back from now, and --events events
 * per request in `audit_events` (requested, geolocated, verified, decided; 0 for none). Then signs in to the console
 * and, --rounds times: the first page of the default period (Clear), two "Next" pages, a filtered page (outcome deny,
 * same period) and its "Next", a request's timeline, and the overview; with --all-time 1, last, the first page
 * over all time (`period=all`) and its "Next". For every step the console itself records two times (docs/audit.md,
 * "Auditor console"): `fetch` = the auditor API's answers, `render` = from them until the result is laid out and
 * painted (two animation frames).
 */
import { createHash, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { MongoClient } from 'mongodb';
import type { Page } from 'playwright-core';
import { EventTypes, type TopicName, Topics } from '@clearance/contracts';
import {
  aDecidedEvent,
  aGeolocatedEvent,
  aRequestedEvent,
  aVerifiedEvent,
  spawnService,
} from '@clearance/testing';
import { ConsoleBrowser } from '../test/e2e/console.browser';
import { ensureInfra, summarize, writeResult } from './bench.support';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const DAY = 86_400_000;
const COUNTRIES = ['US', 'US', 'US', 'DE', 'GB', 'CN', 'IR', 'RU', 'unknown'];
const OUTCOMES = ['allow', 'allow', 'deny', 'challenge'];
const REASONS = [
  'ALLOW_STANDARD',
  'GEO_NOT_DOMESTIC',
  'NET_VPN',
  'GEO_EMBARGOED_COUNTRY',
  'SCREENING_POTENTIAL_MATCH',
];

/** A request record as docs/audit.md describes `audit_requests` (flat, one per request). */
function aRecord(i: number, time: Date): Record<string, unknown> {
  const t = time.toISOString();
  const outcome = OUTCOMES[i % OUTCOMES.length]!;
  return {
    _id: `req-${i.toString(36)}-${randomUUID().slice(0, 8)}`,
    time,
    hour: t.slice(0, 13),
    day: t.slice(0, 10),
    userId: `user-${i % 5000}`,
    organizationId: `org-${i % 300}`,
    ip: `198.51.${(i >> 8) % 256}.${i % 256}`,
    country: COUNTRIES[i % COUNTRIES.length]!,
    model: i % 3 === 0 ? 'frontier-1' : 'standard-1',
    tier: i % 3 === 0 ? 'frontier' : 'standard',
    outcome,
    reasons: [REASONS[i % REASONS.length]!],
    policyId: 'default',
    policyVersion: `2026.${(i % 4) + 1}`,
    verificationLevel: 'identity',
    screeningStatus: 'clear',
    latency: { totalMs: 10 + (i % 40) },
    decisionEventId: `ev-${i.toString(36)}-decided`,
    storedAt: time,
  };
}

const TEMPLATE_ID = 'bench-template-request';
const TOPICS: TopicName[] = [
  Topics.AccessRequested,
  Topics.AccessGeolocated,
  Topics.AccessVerified,
  Topics.AccessDecided,
];
/** One event of each stage from the test factories, as JSON; a request's events are these with its id. */
const TEMPLATES = [aRequestedEvent, aGeolocatedEvent, aVerifiedEvent, aDecidedEvent].map((make) =>
  JSON.stringify(make({ requestId: TEMPLATE_ID, request: { requestId: TEMPLATE_ID } })),
);

/** A request's stored events as docs/audit.md describes `audit_events` (hashes are not checked here). */
function eventsOf(record: Record<string, unknown>, i: number, perRequest: number): Record<string, unknown>[] {
  const requestId = record['_id'] as string;
  const time = record['time'] as Date;
  return TOPICS.slice(0, perRequest).map((topic, k) => {
    const at = new Date(time.getTime() + k * 5);
    return {
      _id: `ev-${i.toString(36)}-${k}-${randomUUID().slice(0, 8)}`,
      chain: `${topic}:${i % 3}`,
      topic,
      partition: i % 3,
      offset: String(Math.floor(i / 3)),
      seq: Math.floor(i / 3),
      requestId,
      eventType: EventTypes[topic],
      producer: ['ingest', 'geolocation', 'verification', 'decision'][k]!,
      time: at,
      storedAt: at,
      raw: TEMPLATES[k]!.replaceAll(TEMPLATE_ID, requestId),
      prevHash: createHash('sha256')
        .update(`${requestId}:${k - 1}`)
        .digest('hex'),
      hash: createHash('sha256').update(`${requestId}:${k}`).digest('hex'),
    };
  });
}

interface Sample {
  step: string;
  fetchMs: number;
  renderMs: number;
  rows?: number;
  load1: number;
}

async function main(): Promise<void> {
  const { brokers, mongoUri } = ensureInfra();
  const records = arg('records', 100_000);
  const days = arg('days', 30);
  const perRequest = Math.max(0, Math.min(4, arg('events', 4)));
  const rounds = arg('rounds', 3);
  const allTime = arg('all-time', 1) === 1;
  const load = (): number[] => loadavg().map((l) => Number(l.toFixed(2)));
  const token = `bench-auditor-${randomUUID()}`;
  const uri = new URL(mongoUri);
  uri.pathname = `/console_bench_${randomUUID().slice(0, 8)}`;
  const result: Record<string, unknown> = {
    records,
    days,
    eventsPerRequest: perRequest,
    rounds,
    loadAverage: { start: load() },
  };
  const loads = result['loadAverage'] as Record<string, number[]>;

  const audit = await spawnService('audit', {
    env: {
      KAFKA_BROKERS: brokers,
      MONGODB_URI: uri.toString(),
      KAFKA_TOPIC_PREFIX: `console-bench-${randomUUID().slice(0, 8)}.`,
      AUDITOR_TOKENS: `bench:${createHash('sha256').update(token).digest('hex')}`,
    },
  });
  const client = await MongoClient.connect(uri.toString());
  const browser = await ConsoleBrowser.launch();
  try {
    await audit.waitReady(180_000);
    const db = client.db();
    const newest = Date.now() - 60_000;
    const spacing = (days * DAY) / records;
    let t = Date.now();
    for (let i = 0; i < records; i += 5_000) {
      const batch = Array.from({ length: Math.min(5_000, records - i) }, (_, k) =>
        aRecord(i + k, new Date(Math.round(newest - (i + k) * spacing))),
      );
      await db.collection('audit_requests').insertMany(batch as never[], { ordered: false });
      if (perRequest > 0)
        await db
          .collection('audit_events')
          .insertMany(batch.flatMap((r, k) => eventsOf(r, i + k, perRequest)) as never[], { ordered: false });
      if ((i / 5_000) % 4 === 0) console.error(new Date().toISOString(), 'filled', i + batch.length);
    }
    result['fill'] = {
      seconds: (Date.now() - t) / 1000,
      records: await db.collection('audit_requests').estimatedDocumentCount(),
      events: await db.collection('audit_events').estimatedDocumentCount(),
      inDefaultPeriod: Math.min(records, Math.floor((7 * DAY) / spacing) + 1),
    };
    loads['afterFill'] = load();
    console.error(new Date().toISOString(), 'filled', result['fill']);

    const page = await browser.newPage();
    const samples: Sample[] = [];
    const seqOf = (p: Page, selector: string): Promise<number> =>
      p.$eval(selector, (el) => Number((el as HTMLElement).dataset.renderSeq ?? 0));
    /** Does `act`, then waits until `selector` shows a render after it and reads the console's own times. */
    const step = async (name: string, selector: string, act: () => Promise<void>): Promise<Sample> => {
      const before = await seqOf(page, selector);
      await act();
      await page.waitForFunction(
        ([sel, n]) => Number((document.querySelector(sel) as HTMLElement).dataset.renderSeq ?? 0) > n,
        [selector, before] as const,
        { timeout: 600_000 },
      );
      const times = await page.$eval(selector, (el) => ({
        fetchMs: Number((el as HTMLElement).dataset.fetchMs),
        renderMs: Number((el as HTMLElement).dataset.renderMs),
      }));
      const rows =
        selector === '#results' ? await page.$$eval('#results-body tr', (r) => r.length) : undefined;
      const sample = { step: name, ...times, rows, load1: load()[0]! };
      samples.push(sample);
      console.error(new Date().toISOString(), sample);
      return sample;
    };
    const searchStep = (name: string, act: () => Promise<void>): Promise<Sample> =>
      step(name, '#results', act);

    t = Date.now();
    await page.goto(`${audit.baseUrl}/console`);
    await page.fill('#token', token);
    await searchStep('first page, default period (sign-in)', () =>
      page.click('#sign-in-form button[type=submit]'),
    );
    result['defaultFrom'] = new URL(page.url()).searchParams.get('from');
    for (let r = 0; r < rounds; r++) {
      if (r > 0) await searchStep('first page, default period', () => page.click('#clear-filter'));
      await searchStep('next page (cursor)', () => page.click('#next-page'));
      await searchStep('next page (cursor)', () => page.click('#next-page'));
      await searchStep('filtered page (outcome deny + period)', async () => {
        await page.selectOption('#f-outcome', 'deny');
        await page.click('#search');
      });
      await searchStep('filtered next page (cursor)', () => page.click('#next-page'));
      const rowId = await page.$eval(
        `#results-body tr:nth-child(${r + 1})`,
        (tr) => (tr as HTMLElement).dataset.requestRow!,
      );
      await step('timeline', '#timeline', () => page.click(`button[data-request="${rowId}"]`));
      await page.selectOption('#f-outcome', '');
      await searchStep('first page, default period', () => page.click('#search'));
      await step('overview', '#overview-view', () => page.click('#nav a[data-view=overview]'));
      await searchStep('first page, default period', () => page.click('#nav a[data-view=search]'));
    }
    if (allTime) {
      await searchStep('first page, all time', async () => {
        await page.selectOption('#f-period', 'all');
        await page.click('#search');
      });
      result['allTimeQuery'] = new URL(page.url()).search;
      await searchStep('all-time next page (cursor)', () => page.click('#next-page'));
    }
    loads['end'] = load();
    result['seconds'] = (Date.now() - t) / 1000;

    const bySteps: Record<string, unknown> = {};
    for (const name of [...new Set(samples.map((s) => s.step))]) {
      const of = samples.filter((s) => s.step === name);
      bySteps[name] = {
        n: of.length,
        rows: [...new Set(of.map((s) => s.rows).filter((r) => r !== undefined))],
        fetchMs: summarize(of.map((s) => s.fetchMs)),
        renderMs: summarize(of.map((s) => s.renderMs)),
        totalMs: summarize(of.map((s) => s.fetchMs + s.renderMs)),
      };
    }
    result['steps'] = bySteps;
    const pages = samples.filter((s) => s.rows === 50 && !s.step.includes('all time'));
    result['pagesOf50'] = {
      n: pages.length,
      renderMs: summarize(pages.map((s) => s.renderMs)),
      fetchMs: summarize(pages.map((s) => s.fetchMs)),
      totalMs: summarize(pages.map((s) => s.fetchMs + s.renderMs)),
    };
    result['samples'] = samples;
    console.log(JSON.stringify(result, null, 2));
    writeResult('console', result);
  } finally {
    await browser.close();
    await client
      .db()
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
    await audit.stop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
