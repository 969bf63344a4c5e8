import type { RequestRecord } from '../store/projection/request-record.schema';
import { csvField, exportChunks } from './export.writer';

const record: RequestRecord = {
  _id: 'req-1',
  time: new Date('2026-11-27T02:00:00.000Z'),
  hour: '2026-11-27T02',
  day: '2026-11-27',
  userId: 'u,"1"',
  country: 'US',
  outcome: 'deny',
  reasons: ['NET_VPN', 'GEO_NOT_DOMESTIC'],
  latency: { totalMs: 12 },
};

async function collect(
  format: 'csv' | 'ndjson',
  records: RequestRecord[],
  chunkRows?: number,
): Promise<string[]> {
  async function* source() {
    yield* records;
  }
  const out: string[] = [];
  for await (const c of exportChunks(source(), format, chunkRows)) out.push(c);
  return out;
}

describe(exportChunks.name, () => {
  it('writes a CSV header and one quoted row per record', async () => {
    const [sut] = await collect('csv', [record]);
    const [header, row] = sut!.split('\r\n');
    expect(header!.split(',')[0]).toBe('requestId');
    expect(row).toBe(
      'req-1,2026-11-27T02:00:00.000Z,"u,""1""",,,US,,,deny,NET_VPN;GEO_NOT_DOMESTIC,,,,,,,12',
    );
  });

  it('writes one JSON object per line', async () => {
    const sut = (await collect('ndjson', [record, { ...record, _id: 'req-2' }])).join('');
    expect(
      sut
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { requestId: string }).requestId),
    ).toEqual(['req-1', 'req-2']);
  });

  it('yields in chunks instead of one buffer', async () => {
    const sut = await collect(
      'ndjson',
      Array.from({ length: 5 }, (_, i) => ({ ...record, _id: `r${i}` })),
      2,
    );
    expect(sut).toHaveLength(3);
  });
});

describe(csvField.name, () => {
  it('defuses spreadsheet formulas', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-3)).toBe('-3');
  });
});
