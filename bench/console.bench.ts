/**
 * Auditor console benchmark, in a real browser (Debian's Chromium), against the test-profile broker and
 * database (or KAFKA_BROKERS / MONGODB_URI):
 *   node -r @swc-node/register bench/console.bench.ts [--records 100000] [--pages 12]
 * Starts the audit service on a database of its own, fills `audit_requests` with --records request records (raw
 * insertMany, the documented record shape), signs in to the console and opens --pages pages of 50 results (the
 * unfiltered first page, then filtered searches and "Next" pages, round robin). For each page the console itself
 * records two times (docs/audit.md, "Auditor console"): `fetch` = the auditor API's answer, `render` = from the
 * answer to the rows laid out and painted (two animation frames).
 */
import { createHash, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { MongoClient } from 'mongodb';
import { spawnService } from '@clearance/testing';
import { ConsoleBrowser } from '../test/e2e/console.browser';
import { ensureInfra, summarize, writeResult } from './bench.support';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

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
function aRecord(i: number, base: number): Record<string, unknown> {
  const time = new Date(base - i * 1000);
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
  };
}

async function main(): Promise<void> {
  const { brokers, mongoUri } = ensureInfra();
  const records = arg('records', 100_000);
  const pages = arg('pages', 12);
  const load = (): number[] => loadavg().map((l) => Number(l.toFixed(2)));
  const token = `bench-auditor-${randomUUID()}`;
  const uri = new URL(mongoUri);
  uri.pathname = `/console_bench_${randomUUID().slice(0, 8)}`;
  const result: Record<string, unknown> = { records, pages, loadAverage: { start: load() } };
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
    const coll = client.db().collection('audit_requests');
    const base = Date.UTC(2026, 10, 27);
    let t = Date.now();
    for (let i = 0; i < records; i += 10_000)
      await coll.insertMany(
        Array.from({ length: Math.min(10_000, records - i) }, (_, k) => aRecord(i + k, base) as never),
        { ordered: false },
      );
    result['fill'] = { seconds: (Date.now() - t) / 1000, stored: await coll.estimatedDocumentCount() };
    loads['afterFill'] = load();
    console.error(new Date().toISOString(), 'filled', result['fill']);

    const page = await browser.newPage();
    const seq = (): Promise<number> =>
      page.$eval('#results', (el) => Number((el as HTMLElement).dataset.renderSeq ?? 0));
    const waitRender = async (
      after: number,
    ): Promise<{ fetchMs: number; renderMs: number; rows: number }> => {
      await page.waitForFunction(
        (n) => Number(document.getElementById('results')?.dataset.renderSeq ?? 0) > n,
        after,
        { timeout: 600_000 },
      );
      return page.$eval('#results', (el) => ({
        fetchMs: Number((el as HTMLElement).dataset.fetchMs),
        renderMs: Number((el as HTMLElement).dataset.renderMs),
        rows: el.querySelectorAll('tbody tr').length,
      }));
    };
    t = Date.now();
    await page.goto(`${audit.baseUrl}/console`);
    await page.fill('#token', token);
    let before = await seq();
    await page.click('#sign-in-form button[type=submit]');
    const samples = [await waitRender(before)];
    const searches: Record<string, string>[] = [
      { country: 'IR' },
      { outcome: 'deny' },
      { userId: 'user-42' },
    ];
    for (let i = 1; i < pages; i++) {
      before = await seq();
      if (i % 2 === 1 && (await page.isEnabled('#next-page'))) await page.click('#next-page');
      else {
        const f = searches[i % searches.length]!;
        await page.click('#clear-filter');
        await waitRender(await seq());
        before = await seq();
        for (const [k, v] of Object.entries(f))
          if (k === 'outcome') await page.selectOption('#f-outcome', v);
          else await page.fill(`#f-${k}`, v);
        await page.click('#search');
      }
      samples.push(await waitRender(before));
      console.error(new Date().toISOString(), `page ${i + 1}`, samples[samples.length - 1]);
    }
    loads['end'] = load();
    const full = samples.filter((s) => s.rows === 50);
    result['pagesOf50'] = full.length;
    result['renderMs'] = summarize(full.map((s) => s.renderMs));
    result['fetchMs'] = summarize(full.map((s) => s.fetchMs));
    result['totalMs'] = summarize(full.map((s) => s.fetchMs + s.renderMs));
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
