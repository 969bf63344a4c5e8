import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { Download, Page } from 'playwright-core';
import { Topics } from '@clearance/contracts';
import { aDecidedEvent, pollUntil, TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import { ConsoleBrowser, parseCsv } from './console.browser';
import {
  type AuditTimeline,
  baseTopic,
  Credentials,
  DAY_MS,
  daysFromNow,
  Pipeline,
  PIPELINE_TOPICS,
} from './support/pipeline.harness';

const XSS = '<img src=x onerror=alert(1)>';
const FORMULA = '=HYPERLINK("http://example.invalid","x")';

// Addresses from the bundled data (docs/geolocation.md), as in pipeline.e2e.test.ts.
const IP = { usResidential: '71.192.0.1', tor: '103.196.37.111', iran: '2.144.0.1' } as const;

interface Sent {
  requestId: string;
  outcome: string;
}

// Five services start, then seven requests are decided and stored at once: one deadline for all of it, waited on
// by conditions (services ready, records and events in the audit store), with room left for jest's own limit.
const SETUP_MS = 240_000;
const SETUP_MARGIN_MS = 20_000;

// The auditor console in a real browser (Debian's Chromium) over the five real services, broker and database.
describe('auditor console in a browser', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('console');
  const credentials = new Credentials();
  const pipeline = new Pipeline({
    brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
    mongoUri: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27018/clearance',
    database: `console_${randomUUID().slice(0, 8)}`,
    prefix,
    credentials,
    env: { LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn' },
  });
  let browser: ConsoleBrowser;
  let page: Page;
  const sent: Record<'iran' | 'tor' | 'allowed' | 'challenged' | 'xss' | 'formula', Sent> = {} as never;
  /** Decided ten days ago: outside the default period. */
  let archived: Sent;

  const consoleUrl = (query = ''): string => `${pipeline.get('audit').baseUrl}/console${query}`;

  /** Sends one request through ingest; its decision is awaited with the others' (`audited`). */
  async function send(userId: string, ip: string, model: string, name = 'Jane Example'): Promise<string> {
    const res = await pipeline.ingest('/v1/access-requests', {
      requestId: `console-${randomUUID()}`,
      subject: { userId, name },
      network: { ip, userAgent: 'console-e2e' },
      resource: { model, action: 'inference' },
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { requestId: string }).requestId;
  }

  /**
   * Waits until the audit store holds a record of every request and all four stages' events of those that went
   * through the pipeline. One page query answers for all records (each auditor call is itself stored, so polling
   * every timeline would add writes to the store it waits for); then each timeline once its record is there.
   */
  async function audited(
    piped: string[],
    archived: string[],
    deadline: number,
  ): Promise<Map<string, string>> {
    const ids = [...piped, ...archived];
    const outcomes = await pollUntil(
      async () => {
        const res = await pipeline.auditor(
          `/v1/audit/requests?from=${encodeURIComponent(daysFromNow(-30))}&limit=${ids.length + 10}`,
        );
        if (res.status !== 200) return undefined;
        const page = (await res.json()) as { items: { _id: string; outcome?: string }[] };
        const found = new Map(page.items.map((r) => [r._id, r.outcome]));
        return ids.every((id) => found.get(id) !== undefined) ? (found as Map<string, string>) : undefined;
      },
      { timeoutMs: deadline - Date.now(), intervalMs: 500, what: `audit records of ${ids.join(', ')}` },
    );
    const stages = [
      Topics.AccessRequested,
      Topics.AccessGeolocated,
      Topics.AccessVerified,
      Topics.AccessDecided,
    ];
    await Promise.all(
      piped.map((id) =>
        pipeline.auditTimeline(
          id,
          (t: AuditTimeline) =>
            stages.every((topic) => t.events.some((e) => baseTopic(e.topic, prefix) === topic)),
          deadline - Date.now(),
        ),
      ),
    );
    return outcomes;
  }

  async function signIn(p: Page, token = credentials.auditorToken): Promise<void> {
    await p.fill('#token', token);
    await p.click('#sign-in-form button[type=submit]');
  }

  /** Waits until the results table shows a page rendered after `after` (the page counts its renders). */
  async function rendered(p: Page, after: number): Promise<void> {
    await p.waitForFunction(
      (n) => Number(document.getElementById('results')?.dataset.renderSeq ?? 0) > n,
      after,
      { timeout: 60_000 },
    );
  }
  const renderSeq = (p: Page): Promise<number> =>
    p.$eval('#results', (el) => Number((el as HTMLElement).dataset.renderSeq ?? 0));

  /** With CONSOLE_SCREENSHOTS=<dir> the test also saves the pictures docs/ shows (they assert nothing). */
  async function shot(name: string, selector?: string): Promise<void> {
    const dir = process.env.CONSOLE_SCREENSHOTS;
    if (!dir) return;
    const path = join(dir, `console-${name}.png`);
    if (selector) await page.locator(selector).screenshot({ path });
    else await page.screenshot({ path, fullPage: true });
  }

  const rowIds = (p: Page): Promise<string[]> =>
    p.$$eval('#results-body tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.requestRow ?? ''));

  async function download(p: Page, button: string): Promise<string> {
    const [file] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), p.click(button)]);
    return readFile(await (file as Download).path(), 'utf8');
  }

  beforeAll(async () => {
    const setupDeadline = Date.now() + SETUP_MS - SETUP_MARGIN_MS;
    await kafka.createTopics(prefix, PIPELINE_TOPICS);
    await pipeline.startAll();
    await pipeline.seedApprovedEntity('console e2e');
    const ids = {
      iran: await send('u-iran', IP.iran, 'standard-1'),
      tor: await send('u-approved', IP.tor, 'frontier-1'),
      allowed: await send('u-approved', IP.usResidential, 'frontier-1'),
      // a misspelling of an OFAC SDN entry (pipeline.e2e.test.ts): a potential match, step-up needed
      challenged: await send('u-approved', IP.usResidential, 'frontier-1', 'Sergei Shoigu'),
      xss: await send(XSS, IP.iran, 'standard-1', XSS),
      formula: await send(FORMULA, IP.usResidential, 'standard-1'),
    };
    // a request decided ten days ago, outside the console's default period (the last 7 days): published as the
    // decision stage would have, it is stored through the audit consumer like any other
    const old = aDecidedEvent({
      request: { requestId: `console-archived-${randomUUID()}`, subject: { userId: 'u-archived' } },
      timestamps: { requestedAt: daysFromNow(-10) },
    });
    await kafka.produce(prefix, Topics.AccessDecided, [old]);
    const outcomes = await audited(Object.values(ids), [old.requestId], setupDeadline);
    for (const [key, requestId] of Object.entries(ids))
      sent[key as keyof typeof sent] = { requestId, outcome: outcomes.get(requestId)! };
    archived = { requestId: old.requestId, outcome: outcomes.get(old.requestId)! };
    browser = await ConsoleBrowser.launch();
    page = await browser.newPage();
  }, SETUP_MS);

  afterAll(async () => {
    await browser?.close();
    await pipeline.stopAll();
    await kafka.disconnect();
  });

  it('serves the page with a strict Content-Security-Policy and no inline script', async () => {
    const res = await fetch(consoleUrl());
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file of the service
    expect(html).not.toMatch(/https?:\/\//); // no CDN, no outside font
  });

  it('refuses a wrong token with a clear message, then signs in with the right one', async () => {
    await page.goto(consoleUrl());
    await signIn(page, `auditor-${randomUUID()}`);
    // the answer to the sign-in's API call comes back after the click
    await page.locator('#sign-in-error').waitFor({ state: 'visible', timeout: 60_000 });
    await expect(page.locator('#sign-in-error').textContent()).resolves.toContain('refused');
    expect(await page.isVisible('#app')).toBe(false);
    const before = await renderSeq(page);
    await signIn(page);
    await rendered(page, before);
    expect(await page.isVisible('#app')).toBe(true);
    // the token lives in this tab's sessionStorage, nowhere else
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(page.url()).not.toContain(credentials.auditorToken);
  });

  it('searches the last 7 days by default, named in the filter and the link; widening finds an older request', async () => {
    const recent = Object.values(sent)
      .map((s) => s.requestId)
      .sort();
    // signed in on /console without a query: the default period is written into the URL, the form and the summary
    const from = new URL(page.url()).searchParams.get('from');
    expect(from).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
    expect(Math.round((Date.now() - Date.parse(from!)) / DAY_MS)).toBe(7);
    expect(await page.inputValue('#f-from')).toBe(from);
    expect(await page.inputValue('#f-to')).toBe('');
    expect(await page.inputValue('#f-period')).toBe('7d');
    expect(await page.textContent('#period-summary')).toBe(`Period: from ${from} to now (7 days).`);
    expect((await rowIds(page)).sort()).toEqual(recent);

    // the last 30 days: the request of ten days ago shows, and the link names the wider period
    let before = await renderSeq(page);
    await page.selectOption('#f-period', '30d');
    await page.click('#search');
    await rendered(page, before);
    const wider = new URL(page.url()).searchParams.get('from');
    expect(Math.round((Date.now() - Date.parse(wider!)) / DAY_MS)).toBe(30);
    expect(await page.inputValue('#f-from')).toBe(wider);
    expect((await rowIds(page)).sort()).toEqual([...recent, archived.requestId].sort());
    const old = await page.$eval(`#results-body tr[data-request-row="${archived.requestId}"]`, (tr) => [
      tr.children[0]?.textContent,
      tr.children[2]?.textContent,
    ]);
    expect(old).toEqual([expect.stringMatching(/^\d{4}-/), 'u-archived']);
    expect(Math.round((Date.now() - Date.parse(old[0]!)) / DAY_MS)).toBe(10);

    // all time only when asked for, and the link says so
    before = await renderSeq(page);
    await page.selectOption('#f-period', 'all');
    await page.click('#search');
    await rendered(page, before);
    const all = new URL(page.url()).searchParams;
    expect(all.get('period')).toBe('all');
    expect(all.has('from')).toBe(false);
    expect(await page.inputValue('#f-from')).toBe('');
    expect(await page.textContent('#period-summary')).toMatch(/^Period: all time/);
    expect(await rowIds(page)).toContain(archived.requestId);

    // Clear is the default period again
    before = await renderSeq(page);
    await page.click('#clear-filter');
    await rendered(page, before);
    expect(await page.inputValue('#f-period')).toBe('7d');
    expect(new URL(page.url()).searchParams.get('from')).toBe(await page.inputValue('#f-from'));
    expect((await rowIds(page)).sort()).toEqual(recent);
  });

  it('searches by outcome and country, with the filter in a link another auditor can open', async () => {
    let before = await renderSeq(page);
    await page.selectOption('#f-outcome', 'deny');
    await page.fill('#f-country', 'ir');
    const from = await page.inputValue('#f-from');
    await page.click('#search');
    await rendered(page, before);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({ country: 'IR', outcome: 'deny', from });
    const ids = await rowIds(page);
    expect(ids.sort()).toEqual([sent.iran.requestId, sent.xss.requestId].sort());
    const cells = await page.$$eval('#results-body tr', (rows) =>
      rows.map((r) => [r.children[4]?.textContent, r.children[7]?.textContent]),
    );
    expect(cells).toEqual([
      ['IR', 'deny'],
      ['IR', 'deny'],
    ]);

    // the link alone opens nothing without a token; signed in, it shows the same filter and rows
    const other = await browser.newPage();
    await other.goto(url.toString());
    expect(await other.isVisible('#sign-in-view')).toBe(true);
    before = await renderSeq(other);
    await signIn(other);
    await rendered(other, before);
    expect(await other.inputValue('#f-country')).toBe('IR');
    expect(await other.inputValue('#f-from')).toBe(from);
    expect((await rowIds(other)).sort()).toEqual(ids.sort());
    await other.close();
  });

  it("opens a request's timeline with its evidence, policy and every reason in plain words", async () => {
    await page.click(`button[data-request="${sent.iran.requestId}"]`);
    const panel = page.locator('#timeline');
    await panel.locator('#timeline-reasons').waitFor();
    const reasons = await panel.locator('#timeline-reasons li').allTextContents();
    expect(reasons[0]).toMatch(/^GEO_EMBARGOED_COUNTRY — \S.+/); // the code and its message
    const where = await panel.locator('[data-section="Where it came from"]').textContent();
    expect(where).toContain('CountryIR');
    expect(where).toContain('Network ownerAS');
    expect(where).toMatch(/Data set: \S+/);
    const decision = await panel.locator('[data-section="The decision"]').textContent();
    expect(decision).toContain('Outcomedeny');
    expect(decision).toMatch(/Policy\S+ version \S+/);
    expect(decision).toMatch(/Policy hash[0-9a-f]{64}/);
    expect(decision).toContain('Deciding rule');
    const who = await panel.locator('[data-section="Who asked"]').textContent();
    expect(who).toContain('Verification level');
    expect(await panel.locator('[data-section="Denied-party screening"]').textContent()).toContain(
      'ofac-sdn',
    );
    const events = await panel.locator('ol.events li').allTextContents();
    expect(
      events.map((e) => /— (accepted by ingest|geolocated|verified and screened|decided) by/.exec(e)?.[1]),
    ).toEqual(['accepted by ingest', 'geolocated', 'verified and screened', 'decided']);
    // the raw events are one click away
    expect(await panel.locator('#raw-events pre').isVisible()).toBe(false);
    await panel.locator('#raw-events summary').click();
    const raw = JSON.parse(
      (await panel.locator('#raw-events pre').textContent()) ?? '',
    ) as AuditTimeline['events'];
    expect(raw.map((e) => baseTopic(e.topic, prefix))).toEqual([
      Topics.AccessRequested,
      Topics.AccessGeolocated,
      Topics.AccessVerified,
      Topics.AccessDecided,
    ]);

    // a Tor exit: the anonymizer signal and its data set are named
    await page.fill('#f-country', '');
    await page.selectOption('#f-outcome', '');
    await page.fill('#f-userId', 'u-approved');
    const before = await renderSeq(page);
    await page.click('#search');
    await rendered(page, before);
    await page.click(`button[data-request="${sent.tor.requestId}"]`);
    await page.locator(`#timeline-reasons li[data-code="NET_TOR"]`).waitFor();
    const torWhere = await panel.locator('[data-section="Where it came from"]').textContent();
    expect(torWhere).toContain('Tor exit nodeyes');
    expect(torWhere).toMatch(/Tor exit node signal from \S+/);
    await shot('timeline', '#timeline');

    // a potential screening match: the listed name, its score and the list are named
    await page.click(`button[data-request="${sent.challenged.requestId}"]`);
    await page.locator(`#timeline-reasons li[data-code="SCREENING_POTENTIAL_MATCH"]`).waitFor();
    const screening = await panel.locator('[data-section="Denied-party screening"]').textContent();
    expect(screening).toContain('Resultpotential-match');
    expect(screening).toMatch(
      /"Sergei Shoigu" \(subject-name\) resembles "[^"]+" on ofac-sdn, entry \S+, score 0\.\d\d/,
    );
  });

  it('shows a subject named like markup as text, and runs nothing', async () => {
    const before = await renderSeq(page);
    await page.fill('#f-userId', XSS);
    await page.click('#search');
    await rendered(page, before);
    expect(await page.locator('#results-body tr td:nth-child(3)').allTextContents()).toEqual([XSS]);
    await page.click(`button[data-request="${sent.xss.requestId}"]`);
    await page.locator('#timeline-reasons').waitFor();
    expect(await page.locator('[data-section="The request"]').textContent()).toContain(`Name${XSS}`);
    expect(await page.locator('main img').count()).toBe(0);
    expect(browser.dialogs).toEqual([]);
  });

  it('exports the current filter as CSV and NDJSON, streamed to a download', async () => {
    let before = await renderSeq(page);
    await page.click('#clear-filter');
    await rendered(page, before);
    const all = Object.values(sent)
      .map((s) => s.requestId)
      .sort();
    expect((await rowIds(page)).sort()).toEqual(all);
    await shot('search');

    const ndjson = (await download(page, '#export-ndjson'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { requestId: string; outcome: string; userId: string });
    // the export follows the period too: the request of ten days ago is not in it
    expect(ndjson.map((r) => r.requestId).sort()).toEqual(all);
    expect(ndjson.find((r) => r.requestId === sent.iran.requestId)?.outcome).toBe('deny');

    const csv = parseCsv(await download(page, '#export-csv'));
    const [header, ...rows] = csv;
    const col = (name: string): number => header!.indexOf(name);
    expect(rows.map((r) => r[col('requestId')]).sort()).toEqual(all);
    // a cell a spreadsheet would run as a formula is neutralised
    const formula = rows.find((r) => r[col('requestId')] === sent.formula.requestId)!;
    expect(formula[col('userId')]).toBe(`'${FORMULA}`);

    // the filter applies to the export too
    before = await renderSeq(page);
    await page.selectOption('#f-outcome', 'deny');
    await page.click('#search');
    await rendered(page, before);
    const denied = (await download(page, '#export-ndjson')).split('\n').filter(Boolean);
    expect(denied.map((l) => (JSON.parse(l) as { outcome: string }).outcome)).toEqual(
      Array(Object.values(sent).filter((s) => s.outcome === 'deny').length).fill('deny'),
    );
  });

  it('draws the overview charts with their numbers', async () => {
    const before = await renderSeq(page);
    await page.click('#clear-filter');
    await rendered(page, before);
    // the view's link asks the API once, for the period in the form (the default, after Clear)
    const calls: URL[] = [];
    const watch = (r: { url(): string }): void => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/v1/audit/')) calls.push(url);
    };
    page.on('request', watch);
    await page.click('#nav a[data-view=overview]');
    await page.waitForFunction(() =>
      /decided request/.test(document.getElementById('overview-status')?.textContent ?? ''),
    );
    page.off('request', watch);
    expect(calls.map((u) => u.pathname)).toEqual(['/v1/audit/stats']);
    expect(calls[0]!.searchParams.get('from')).toBe(await page.inputValue('#f-from'));
    const counts = Object.values(sent).reduce<Record<string, number>>(
      (m, s) => ({ ...m, [s.outcome]: (m[s.outcome] ?? 0) + 1 }),
      {},
    );
    const time = await page.$$eval('#table-time tr', (rows) =>
      rows.map((r) => [...r.children].map((c) => c.textContent)),
    );
    const head = time[0]!;
    for (const [outcome, n] of Object.entries(counts))
      expect(Number(time[1]![head.indexOf(outcome)])).toBe(n);
    const deny = await page.$$eval('#table-deny tbody tr', (rows) =>
      rows.map((r) => r.children[0]?.textContent),
    );
    expect(deny).toEqual(expect.arrayContaining(['GEO_EMBARGOED_COUNTRY', 'NET_TOR']));
    expect(
      await page.$$eval('#table-challenge tbody tr', (rows) => rows.map((r) => r.children[0]?.textContent)),
    ).toEqual(['SCREENING_POTENTIAL_MATCH']);
    const countries = await page.$$eval('#table-country tbody tr', (rows) =>
      rows.map((r) => [r.children[0]?.textContent, r.children[1]?.textContent]),
    );
    expect(countries).toEqual(
      expect.arrayContaining([
        ['IR', '2'],
        ['US', '4'],
      ]),
    );
    // Chart.js drew into each canvas (a drawn canvas has non-transparent pixels)
    for (const id of ['chart-time', 'chart-deny', 'chart-challenge', 'chart-country'])
      expect(
        await page.$eval(`#${id}`, (c) => {
          const canvas = c as HTMLCanvasElement;
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          return data.some((v, i) => i % 4 === 3 && v > 0);
        }),
      ).toBe(true);
    await shot('overview');
  });

  it('verifies the hash chains: intact, then names the event a test altered in the database', async () => {
    await page.click('#nav a[data-view=integrity]');
    await page.click('#integrity-run');
    await page.waitForFunction(
      () => /chain intact|broken/.test(document.getElementById('integrity-status')?.textContent ?? ''),
      undefined,
      { timeout: 120_000 },
    );
    const intact = (await page.textContent('#integrity-status')) ?? '';
    const stored = Number(/^(\d+) events verified, chain intact$/.exec(intact)?.[1]);
    expect(stored).toBeGreaterThanOrEqual(Object.keys(sent).length * 4);

    // alter one stored event behind the service's back
    const client = await MongoClient.connect(pipeline.mongoUriOf('audit'));
    try {
      const events = client
        .db()
        .collection<{ _id: string; raw: string; requestId: string; topic: string }>('audit_events');
      const target = (await events.find({ requestId: sent.allowed.requestId }).toArray()).find(
        (e) => baseTopic(e.topic, prefix) === Topics.AccessDecided,
      );
      expect(target).toBeDefined();
      const altered = target!.raw.replace('"outcome":"allow"', '"outcome":"deny"');
      expect(altered).not.toBe(target!.raw);
      await events.updateOne({ _id: target!._id }, { $set: { raw: altered } });

      await page.click('#integrity-run');
      await page.waitForFunction(
        () => /broken/.test(document.getElementById('integrity-status')?.textContent ?? ''),
        undefined,
        { timeout: 120_000 },
      );
      expect(await page.textContent('#integrity-status')).toContain('record-changed');
      const detail = await page.textContent('#integrity-break');
      expect(detail).toContain(target!._id);
      expect(detail).toContain('changed');
    } finally {
      await client.close();
    }
  });

  it('signs out and forgets the token; the page broke no CSP rule and threw nothing', async () => {
    await page.click('#sign-out');
    expect(await page.isVisible('#sign-in-view')).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    expect(await page.isVisible('#sign-in-view')).toBe(true);
    expect(await page.locator('#results-body tr').count()).toBe(0);
    expect(browser.cspViolations).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
    expect(browser.dialogs).toEqual([]);
  });
});
