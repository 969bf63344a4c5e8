import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { ReloadingSnapshot } from './reloading.snapshot';

async function change(file: string, text: string): Promise<void> {
  await writeFile(file, text);
  const later = new Date(Date.now() + 5_000);
  await utimes(file, later, later);
}

function parsed(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`not a number: ${text}`);
  return n;
}

describe(ReloadingSnapshot.name, () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snapshot-'));
    file = join(dir, 'value.txt');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const snapshot = (name = 'spec') =>
    new ReloadingSnapshot<number>({
      name,
      files: [file],
      load: async () => parsed(await readFile(file, 'utf8')),
    });

  it('is not ready and holds nothing until a value was loaded (fail closed)', async () => {
    await writeFile(file, 'not a number');
    const sut = snapshot();

    await expect(sut.check()).rejects.toThrow('spec not loaded: not loaded yet');
    expect(await sut.reload()).toBe(false);

    expect(sut.current).toBeUndefined();
    await expect(sut.check()).rejects.toThrow('spec not loaded: not a number');
  });

  it('loads, then swaps in a changed file and keeps the last good value when a reload fails', async () => {
    await writeFile(file, '1');
    const sut = snapshot();
    expect(await sut.reload()).toBe(true);
    await expect(sut.check()).resolves.toBeUndefined();

    await change(file, '2');
    expect(await sut.poll()).toBe(true);
    expect(sut.current).toBe(2);

    await change(file, 'two');
    expect(await sut.poll()).toBe(false);
    expect(sut.current).toBe(2);
    expect(sut.failedReloads).toBe(1);
    expect(sut.lastError).toBe('not a number: two');
    await expect(sut.check()).resolves.toBeUndefined();
  });

  it('keeps the previous value when its user cannot take the new one (onSwap throws), counted once as rejected', async () => {
    await writeFile(file, '1');
    const sut = new ReloadingSnapshot<number>({
      name: 'refusing',
      files: [file],
      load: async () => parsed(await readFile(file, 'utf8')),
      onSwap: (next) => {
        if (next > 1) throw new Error(`index of ${next} failed`);
      },
    });
    expect(await sut.reload()).toBe(true);

    await change(file, '2');
    expect(await sut.poll()).toBe(false);
    expect(sut.current).toBe(1);
    expect(sut.failedReloads).toBe(1);
    expect(sut.lastError).toBe('index of 2 failed');
    const counted = (await register.getSingleMetric('clearance_snapshot_reloads_total')!.get()).values.filter(
      (v) => v.labels['snapshot'] === 'refusing',
    );
    expect(counted.map((v) => [v.labels['result'], v.value]).sort()).toEqual([
      ['loaded', 1],
      ['rejected', 1],
    ]);
  });

  it('does not reload an unchanged file, and keeps the value when the file disappears', async () => {
    await writeFile(file, '1');
    const load = jest.fn(async () => parsed(await readFile(file, 'utf8')));
    const sut = new ReloadingSnapshot<number>({ name: 'spec', files: [file], load });
    await sut.reload();

    expect(await sut.poll()).toBe(false);
    await rm(file);
    expect(await sut.poll()).toBe(false);

    expect(load).toHaveBeenCalledTimes(1);
    expect(sut.current).toBe(1);
  });

  it('watches the files the loaded value names, and keeps a value that is the same', async () => {
    const other = join(dir, 'other.txt');
    await writeFile(file, other);
    await writeFile(other, '7');
    const onSwap = jest.fn();
    const sut = new ReloadingSnapshot<{ n: number; files: string[] }>({
      name: 'spec',
      files: [file],
      filesOf: (v) => v.files,
      load: () => ({ n: parsed(readFileSync(other, 'utf8')), files: [file, other] }),
      same: (a, b) => a.n === b.n,
      onSwap,
    });

    expect(sut.reloadSync()).toBe(true);
    expect(sut.watchedFiles).toEqual([file, other]);
    expect(sut.reloadSync()).toBe(false);
    await change(other, '8');
    expect(await sut.poll()).toBe(true);

    expect(sut.current?.n).toBe(8);
    expect(onSwap).toHaveBeenCalledTimes(2);
  });

  it('counts reloads by snapshot and result', async () => {
    await writeFile(file, '1');
    const sut = snapshot('spec-metrics');
    await sut.reload();
    await change(file, 'x');
    await sut.poll();

    const text = await register.getSingleMetricAsString('clearance_snapshot_reloads_total');
    expect(text).toContain('clearance_snapshot_reloads_total{snapshot="spec-metrics",result="loaded"} 1');
    expect(text).toContain('clearance_snapshot_reloads_total{snapshot="spec-metrics",result="rejected"} 1');
    expect(await register.getSingleMetricAsString('clearance_snapshot_loaded')).toContain(
      'clearance_snapshot_loaded{snapshot="spec-metrics"} 1',
    );
  });
});
