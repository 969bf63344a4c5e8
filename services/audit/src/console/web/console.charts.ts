/// <reference lib="dom" />
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { h } from './console.dom';

// only what the overview draws, so the bundle stays small
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLORS: Record<string, string> = { allow: '#1f7a4d', deny: '#b3261e', challenge: '#b26a00' };
const charts = new Map<string, Chart<'bar'>>();

function draw(canvas: HTMLCanvasElement, config: ChartConfiguration<'bar'>): void {
  charts.get(canvas.id)?.destroy();
  charts.set(canvas.id, new Chart(canvas, config));
}

export function destroyCharts(): void {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
}

/** Stacked bars of decisions per bucket, one colour per outcome. */
export function drawOverTime(
  canvas: HTMLCanvasElement,
  buckets: string[],
  series: { outcome: string; counts: number[] }[],
): void {
  draw(canvas, {
    type: 'bar',
    data: {
      labels: buckets,
      datasets: series.map((s) => ({
        label: s.outcome,
        data: s.counts,
        backgroundColor: COLORS[s.outcome] ?? '#2450a6',
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

/** Horizontal bars, largest first. */
export function drawTop(canvas: HTMLCanvasElement, rows: [string, number][], color: string): void {
  draw(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r[0]),
      datasets: [{ label: 'requests', data: rows.map((r) => r[1]), backgroundColor: color }],
    },
    options: {
      animation: false,
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

/** The numbers beside a chart: a plain table, every cell text. */
export function numbersTable(table: HTMLTableElement, head: string[], rows: (string | number)[][]): void {
  table.replaceChildren(
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h('tr', {}, ...r.map((c) => h('td', typeof c === 'number' ? { class: 'n' } : {}, String(c)))),
      ),
    ),
  );
}
