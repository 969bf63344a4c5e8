/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { ApiError, AuditorApi, type RequestRow, session, type StatsRow } from './console.api';
import { destroyCharts, drawOverTime, drawTop, numbersTable } from './console.charts';
import { byId, clear, h, show } from './console.dom';
import { describeEvent, explainTimeline, reasonsOf, type Section, type Timeline } from './console.explain';
import {
  ALL_TIME,
  DEFAULT_PERIOD,
  describePeriod,
  FILTER_FIELDS,
  type Filter,
  PERIODS,
  periodStart,
  type Search,
  searchFromQuery,
  searchToQuery,
} from './console.filters';
import { integrityWindows, overTime, top } from './console.overview';

type View = 'search' | 'overview' | 'integrity';
const VIEWS: View[] = ['search', 'overview', 'integrity'];
const OUTCOMES = ['allow', 'deny', 'challenge'];
const INTEGRITY_WINDOWS = 10;

let api: AuditorApi | undefined;
/** Cursors of the pages seen so far: `pages[i]` opens page i + 1 (page 1 has none). */
let pages: (string | undefined)[] = [undefined];
let pageIndex = 0;
let nextCursor: string | undefined;

// --- sign-in ------------------------------------------------------------------------------------------------

function signedOut(message?: string): void {
  session.signOut();
  api = undefined;
  clear(byId('results-body'));
  clear(byId('timeline'));
  clear(byId('integrity-result'));
  byId('integrity-status').textContent = '';
  destroyCharts();
  show(byId('app'), false);
  show(byId('nav'), false);
  show(byId('sign-in-view'), true);
  const err = byId('sign-in-error');
  err.textContent = message ?? '';
  show(err, Boolean(message));
  byId<HTMLInputElement>('token').focus();
}

async function signIn(token: string): Promise<void> {
  const candidate = new AuditorApi(token);
  const err = byId('sign-in-error');
  try {
    // checks the token only: an empty window from now on (a search without a time bound reads the whole store)
    await candidate.page({ from: new Date().toISOString() }, undefined, 1);
  } catch (e) {
    err.textContent = e instanceof ApiError ? e.message : `The audit service did not answer: ${String(e)}`;
    show(err, true);
    return;
  }
  session.signIn(token);
  byId<HTMLInputElement>('token').value = '';
  signedIn(candidate);
}

function signedIn(client: AuditorApi): void {
  api = client;
  show(byId('sign-in-view'), false);
  show(byId('sign-in-error'), false);
  show(byId('app'), true);
  show(byId('nav'), true);
  byId('who').textContent = 'signed in';
  readFilterIntoForm();
  void showView(currentView());
}

/** Every call goes through here: a refused token ends the session, other errors are shown above the view. */
async function call<T>(work: (client: AuditorApi) => Promise<T>): Promise<T | undefined> {
  if (!api) return undefined;
  const err = byId('app-error');
  try {
    const result = await work(api);
    show(err, false);
    return result;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      signedOut(e.message);
      return undefined;
    }
    err.textContent = e instanceof ApiError ? e.message : `The audit service did not answer: ${String(e)}`;
    show(err, true);
    return undefined;
  }
}

// --- filter (the only thing in the URL) ----------------------------------------------------------------------

function buildFilterForm(): void {
  const form = byId<HTMLFormElement>('filter-form');
  for (const f of FILTER_FIELDS) {
    const id = `f-${f.name}`;
    if (f.name === 'from') form.append(periodField());
    const input =
      f.name === 'outcome'
        ? h(
            'select',
            { id, name: f.name },
            h('option', { value: '' }, 'any'),
            ...OUTCOMES.map((o) => h('option', { value: o }, o)),
          )
        : h('input', {
            id,
            name: f.name,
            type: 'text',
            spellcheck: 'false',
            placeholder:
              f.name === 'from' || f.name === 'to'
                ? '2026-03-03T00:00:00Z'
                : f.name === 'country'
                  ? 'US'
                  : '',
          });
    form.append(h('div', {}, h('label', { for: id }, f.label), input));
  }
  form.append(
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', id: 'search' }, 'Search'),
      h('button', { type: 'button', id: 'clear-filter' }, 'Clear'),
    ),
    h('p', { id: 'period-summary', class: 'period', role: 'status' }),
  );
  // typing a bound makes the period a custom one
  for (const name of ['from', 'to'])
    byId(`f-${name}`).addEventListener('input', () => {
      byId<HTMLSelectElement>('f-period').value = 'custom';
    });
}

/** The Period choice: fills From/To (or asks for all time); From/To stay the search's words. */
function periodField(): HTMLElement {
  const select = h(
    'select',
    { id: 'f-period', name: 'period' },
    ...PERIODS.map((p) =>
      h('option', { value: p.id }, p.id === DEFAULT_PERIOD ? `${p.label} (default)` : p.label),
    ),
    h('option', { value: 'custom' }, 'From / To'),
    h('option', { value: ALL_TIME }, 'all time (slow)'),
  );
  select.addEventListener('change', () => {
    const from = byId<HTMLInputElement>('f-from');
    const to = byId<HTMLInputElement>('f-to');
    const preset = PERIODS.find((p) => p.id === select.value);
    if (preset) {
      from.value = periodStart(preset.id, new Date());
      to.value = '';
    } else if (select.value === ALL_TIME) {
      from.value = '';
      to.value = '';
    }
  });
  return h('div', {}, h('label', { for: 'f-period' }, 'Period'), select);
}

function formSearch(): Search {
  const data = new FormData(byId<HTMLFormElement>('filter-form'));
  const filter: Filter = {};
  for (const f of FILTER_FIELDS) {
    const v = data.get(f.name);
    if (typeof v === 'string' && v.trim())
      filter[f.name] = f.name === 'country' ? v.trim().toUpperCase() : v.trim();
  }
  // "unknown" is the one lower-case country the API knows
  if (filter.country === 'UNKNOWN') filter.country = 'unknown';
  // blank From and To without "all time" is the default period again (searchFromQuery)
  return { filter, allTime: data.get('period') === ALL_TIME };
}

function urlOf(search: Search): string {
  const qs = searchToQuery(search).toString();
  return `${location.pathname}${qs ? `?${qs}` : ''}${location.hash}`;
}

/**
 * The search the URL says. A URL without a period gets the default one, written into the URL at once (replacing
 * the entry), so the address bar, the form and the API call always name the same period.
 */
function urlSearch(): { search: Search; defaulted: boolean } {
  const read = searchFromQuery(location.search, new Date());
  if (read.defaulted) history.replaceState(null, '', urlOf(read.search));
  return read;
}

const urlFilter = (): Filter => urlSearch().search.filter;

function readFilterIntoForm(): void {
  const { search, defaulted } = urlSearch();
  for (const f of FILTER_FIELDS) {
    const el = byId<HTMLInputElement | HTMLSelectElement>(`f-${f.name}`);
    el.value = search.filter[f.name] ?? '';
  }
  byId<HTMLSelectElement>('f-period').value = search.allTime
    ? ALL_TIME
    : defaulted
      ? DEFAULT_PERIOD
      : 'custom';
  showPeriod(search);
}

function showPeriod(search: Search): void {
  byId('period-summary').textContent = describePeriod(search, new Date());
}

function setUrlSearch(search: Search): void {
  history.pushState(null, '', urlOf(search));
}

// --- views --------------------------------------------------------------------------------------------------

function currentView(): View {
  const v = location.hash.slice(1);
  return (VIEWS as string[]).includes(v) ? (v as View) : 'search';
}

/** The URL (query and hash) the page shows now: a navigation event to the same URL shows nothing again. */
let shownQuery = '';
let shownHash = '';

async function showView(view: View): Promise<void> {
  urlSearch(); // the default period goes into the URL first, so what is recorded below is the URL as it stays
  shownQuery = location.search;
  shownHash = location.hash;
  for (const v of VIEWS) show(byId(`${v}-view`), v === view);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a[data-view]'))
    a.classList.toggle('active', a.dataset.view === view);
  show(byId('filter-form'), view !== 'integrity');
  if (view === 'search') await search(true);
  if (view === 'overview') await overview();
}

// --- search -------------------------------------------------------------------------------------------------

const cell = (text: string | undefined, cls?: string): HTMLTableCellElement =>
  h('td', cls ? { class: cls } : {}, text ?? '');

function rowOf(r: RequestRow): HTMLTableRowElement {
  const open = h('button', { type: 'button', class: 'link', 'data-request': r._id }, r._id);
  open.addEventListener('click', () => void openTimeline(r._id));
  return h(
    'tr',
    { 'data-request-row': r._id },
    cell(r.time),
    h('td', {}, open),
    cell(r.userId),
    cell(r.organizationId),
    cell(r.country),
    cell(r.model),
    cell(r.tier),
    cell(r.outcome, r.outcome ? `outcome-${r.outcome}` : undefined),
    cell((r.reasons ?? []).join(', ')),
  );
}

async function search(fromStart: boolean): Promise<void> {
  if (fromStart) {
    pages = [undefined];
    pageIndex = 0;
  }
  const { search: current } = urlSearch();
  showPeriod(current);
  const filter = current.filter;
  const fetchStarted = performance.now();
  const page = await call((c) => c.page(filter, pages[pageIndex]));
  if (!page) return;
  const renderStarted = performance.now();
  const body = byId('results-body');
  body.replaceChildren(...page.items.map(rowOf));
  nextCursor = page.nextCursor;
  byId('result-summary').textContent =
    page.items.length === 0
      ? 'No request matches this filter.'
      : `${page.items.length} request${page.items.length === 1 ? '' : 's'}, newest first${nextCursor ? ' (more on the next page)' : ''}`;
  byId('page-number').textContent = `page ${pageIndex + 1}`;
  byId<HTMLButtonElement>('next-page').disabled = !nextCursor;
  byId<HTMLButtonElement>('prev-page').disabled = pageIndex === 0;
  byId<HTMLButtonElement>('first-page').disabled = pageIndex === 0;
  await measured(byId('results'), fetchStarted, renderStarted);
}

const renderSeqs = new WeakMap<HTMLElement, number>();

/**
 * Measured for bench/console.bench.ts (docs/audit.md): `fetch` = the API's answer, `render` = from the answer until
 * what it shows is laid out and painted (two animation frames); `renderSeq` counts the renders of `el`.
 */
async function measured(el: HTMLElement, fetchStarted: number, renderStarted: number): Promise<void> {
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  el.dataset.fetchMs = (renderStarted - fetchStarted).toFixed(1);
  el.dataset.renderMs = (performance.now() - renderStarted).toFixed(1);
  const seq = (renderSeqs.get(el) ?? 0) + 1;
  renderSeqs.set(el, seq);
  el.dataset.renderSeq = String(seq);
}

function sectionOf(s: Section): HTMLElement {
  return h(
    'section',
    { 'data-section': s.title },
    h('h3', {}, s.title),
    s.rows.length ? h('dl', {}, ...s.rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : null,
    s.notes.length ? h('ul', { class: 'notes' }, ...s.notes.map((n) => h('li', {}, n))) : null,
  );
}

async function openTimeline(requestId: string): Promise<void> {
  const fetchStarted = performance.now();
  const t = await call((c) => c.timeline(requestId));
  if (!t) return;
  const renderStarted = performance.now();
  for (const tr of document.querySelectorAll('#results-body tr'))
    tr.classList.toggle('selected', (tr as HTMLElement).dataset.requestRow === requestId);
  renderTimeline(t);
  await measured(byId('timeline'), fetchStarted, renderStarted);
}

function renderTimeline(t: Timeline): void {
  const panel = byId('timeline');
  const reasons = reasonsOf(t);
  const close = h('button', { type: 'button', id: 'timeline-close' }, 'Close');
  close.addEventListener('click', () => show(panel, false));
  panel.replaceChildren(
    h(
      'div',
      { class: 'toolbar' },
      h('h2', {}, `Request ${t.requestId}`),
      h('span', { class: 'spacer' }),
      close,
    ),
    h('h3', {}, 'Reasons'),
    reasons.length
      ? h(
          'ol',
          { class: 'reasons', id: 'timeline-reasons' },
          ...reasons.map((r) => h('li', { 'data-code': r.code }, h('strong', {}, r.code), ` — ${r.message}`)),
        )
      : h('p', {}, 'No reasons recorded.'),
    h('div', { class: 'sections' }, ...explainTimeline(t).map(sectionOf)),
    h('h3', {}, 'Events in order'),
    h(
      'ol',
      { class: 'events' },
      ...t.events.map((e) =>
        h(
          'li',
          {},
          describeEvent(e),
          h('br'),
          h(
            'small',
            {},
            `stored ${e.storedAt}, ${e.topic} partition ${e.partition} offset ${e.offset}, hash ${e.hash}`,
          ),
        ),
      ),
    ),
    h(
      'details',
      { id: 'raw-events' },
      h('summary', {}, `Raw events (${t.events.length})`),
      h('pre', {}, JSON.stringify(t.events, null, 2)),
    ),
  );
  show(panel, true);
  panel.scrollIntoView({ block: 'start' });
}

// --- overview -----------------------------------------------------------------------------------------------

async function overview(): Promise<void> {
  const { search: current } = urlSearch();
  showPeriod(current);
  const filter = current.filter;
  const bucket = byId<HTMLSelectElement>('bucket').value === 'hour' ? 'hour' : 'day';
  const status = byId('overview-status');
  status.textContent = 'loading…';
  const fetchStarted = performance.now();
  // one call: the report splits the reasons by outcome, so the deny and challenge charts need no call of their own
  const all = await call((c) => c.stats(filter, bucket));
  if (!all) {
    status.textContent = '';
    return;
  }
  const renderStarted = performance.now();
  const reasonsFor = (outcome: string): StatsRow[] =>
    all.byOutcomeReason.filter((r) => r.outcome === outcome);
  const time = overTime(all.byOutcome);
  drawOverTime(byId<HTMLCanvasElement>('chart-time'), time.buckets, time.series);
  numbersTable(
    byId<HTMLTableElement>('table-time'),
    [bucket, ...time.series.map((s) => s.outcome)],
    time.buckets.map((b, i) => [b, ...time.series.map((s) => s.counts[i]!)]),
  );
  const tops: [string, [string, number][], string][] = [
    ['deny', top(reasonsFor('deny')), '#b3261e'],
    ['challenge', top(reasonsFor('challenge')), '#b26a00'],
    ['country', top(all.byCountry), '#2450a6'],
  ];
  for (const [name, rows, color] of tops) {
    drawTop(byId<HTMLCanvasElement>(`chart-${name}`), rows, color);
    numbersTable(
      byId<HTMLTableElement>(`table-${name}`),
      [name === 'country' ? 'country' : 'reason', 'requests'],
      rows,
    );
  }
  const total = time.series.reduce((n, s) => n + s.counts.reduce((a, b) => a + b, 0), 0);
  status.textContent = `${total} decided request${total === 1 ? '' : 's'} in ${time.buckets.length} ${bucket}${time.buckets.length === 1 ? '' : 's'}`;
  await measured(byId('overview-view'), fetchStarted, renderStarted);
}

// --- integrity ----------------------------------------------------------------------------------------------

async function integrity(): Promise<void> {
  const run = byId<HTMLButtonElement>('integrity-run');
  const progress = byId<HTMLProgressElement>('integrity-progress');
  const status = byId('integrity-status');
  const result = byId('integrity-result');
  run.disabled = true;
  clear(result);
  status.className = '';
  status.textContent = 'Finding the extent of the store…';
  try {
    const days = await call((c) => c.stats({}, 'day'));
    if (!days) return;
    const first = days.byOutcome.map((r) => r.bucket).sort()[0];
    const windows = integrityWindows(
      first ? new Date(`${first}T00:00:00Z`) : undefined,
      new Date(),
      INTEGRITY_WINDOWS,
    );
    progress.max = windows.length;
    progress.value = 0;
    show(progress, true);
    let checked = 0;
    const chains = new Set<string>();
    for (const [i, w] of windows.entries()) {
      const report = await call((c) => c.integrity(w.from, w.to));
      if (!report) return;
      checked += report.checkedRecords;
      for (const c of report.chains) chains.add(c.chain);
      progress.value = i + 1;
      status.textContent = `Checked ${i + 1} of ${windows.length} time windows: ${checked} events so far…`;
      if (!report.ok && report.firstBreak) {
        const b = report.firstBreak;
        status.className = 'error';
        status.textContent = `Chain broken: ${b.kind} in ${b.chain} at position ${b.seq}`;
        result.append(
          h(
            'dl',
            { id: 'integrity-break' },
            h('dt', {}, 'What is wrong'),
            h('dd', {}, b.detail),
            h('dt', {}, 'Kind'),
            h('dd', {}, b.kind),
            h('dt', {}, 'Chain'),
            h('dd', {}, b.chain),
            h('dt', {}, 'Position (offset)'),
            h('dd', {}, String(b.seq)),
            h('dt', {}, 'Event id'),
            h('dd', {}, b.eventId ?? '—'),
            h('dt', {}, 'Events checked before it'),
            h('dd', {}, String(checked)),
          ),
        );
        return;
      }
      if (i === windows.length - 1) {
        status.className = 'ok';
        status.textContent = `${checked} events verified, chain intact`;
        result.append(
          h(
            'p',
            {},
            `${chains.size} chain${chains.size === 1 ? '' : 's'} checked. Current heads (record these outside the database):`,
          ),
          h(
            'ul',
            { class: 'notes' },
            ...report.heads.map((hd) => h('li', {}, `${hd.chain} at ${hd.seq}: ${hd.hash}`)),
          ),
        );
      }
    }
  } finally {
    run.disabled = false;
  }
}

// --- export -------------------------------------------------------------------------------------------------

async function exportAs(format: 'csv' | 'ndjson'): Promise<void> {
  const token = session.token;
  const filter = urlFilter();
  // the download itself cannot show an API error, so the filter and token are checked first (all time: over an
  // empty window from now on, as a one-row search without a time bound would read the whole store)
  const probe =
    filter.from === undefined && filter.to === undefined
      ? { ...filter, from: new Date().toISOString() }
      : filter;
  const ok = await call((c) => c.page(probe, undefined, 1));
  if (!ok || !token) return;
  const field = byId<HTMLInputElement>('export-q');
  field.value = JSON.stringify({ token, format, filter });
  byId<HTMLFormElement>('export-form').submit();
  field.value = '';
  byId('result-summary').textContent =
    `Export (${format.toUpperCase()}) of the current filter started: your browser saves it.`;
}

// --- wiring -------------------------------------------------------------------------------------------------

function main(): void {
  buildFilterForm();
  byId<HTMLFormElement>('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = byId<HTMLInputElement>('token').value.trim();
    if (token) void signIn(token);
  });
  byId('sign-out').addEventListener('click', () => signedOut());
  byId<HTMLFormElement>('filter-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setUrlSearch(formSearch());
    show(byId('timeline'), false);
    void showView(currentView());
  });
  byId('clear-filter').addEventListener('click', () => {
    setUrlSearch({ filter: {}, allTime: false });
    show(byId('timeline'), false);
    readFilterIntoForm();
    void showView(currentView());
  });
  byId('next-page').addEventListener('click', () => {
    if (!nextCursor) return;
    pages[pageIndex + 1] = nextCursor;
    pageIndex += 1;
    void search(false);
  });
  byId('prev-page').addEventListener('click', () => {
    if (pageIndex === 0) return;
    pageIndex -= 1;
    void search(false);
  });
  byId('first-page').addEventListener('click', () => void search(true));
  byId('export-csv').addEventListener('click', () => void exportAs('csv'));
  byId('export-ndjson').addEventListener('click', () => void exportAs('ndjson'));
  byId('overview-refresh').addEventListener('click', () => void overview());
  byId('bucket').addEventListener('change', () => void overview());
  byId('integrity-run').addEventListener('click', () => void integrity());
  // a click on a view's link fires both popstate and hashchange, Back/Forward popstate: the view is shown once
  const navigated = (): void => {
    if (!api || (location.search === shownQuery && location.hash === shownHash)) return;
    if (location.search !== shownQuery) readFilterIntoForm();
    void showView(currentView());
  };
  window.addEventListener('hashchange', navigated);
  window.addEventListener('popstate', navigated);
  const token = session.token;
  if (token) signedIn(new AuditorApi(token));
  else signedOut();
}

main();
