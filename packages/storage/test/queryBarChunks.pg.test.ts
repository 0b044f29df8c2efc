import fc from 'fast-check';
import type { ClientBase } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { queryBarChunks, queryBars, StorageError, upsertBars } from '../src';
import { BINARY_BAR_SELECT, BinaryBarRows } from '../src/db/binaryBarRows';
import { bar, series, T0 } from './bars';
import { useMigratedSchema } from './testDatabase';

const schema = useMigratedSchema();
const ALL = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', from: T0, to: T0 + 1e9 } as const;
// Flags with quotes and unicode, a provider bar, a partial one, a revision: every variable field varies.
const BARS = [
  ...series(40),
  bar({ start: T0 + 40 * 60_000, final: false, source: 'polygon', revision: 3 }),
  bar({
    start: T0 + 41 * 60_000,
    quality: { score: 0.25, flags: [{ code: 'gap', penalty: 0.75, detail: 'ü "quoted"\ttab' }] },
  }),
];

/** The raw binary COPY bytes of the whole range, in one buffer. */
async function copyBytes(): Promise<Buffer> {
  const connection = await schema.current().db.connect();
  try {
    const client = connection.client as unknown as ClientBase;
    const parts: Buffer[] = [];
    const sql = `COPY (SELECT ${BINARY_BAR_SELECT} FROM bars_minutes ORDER BY start) TO STDOUT (FORMAT binary)`;
    for await (const chunk of client.query(copyTo(sql)) as AsyncIterable<Buffer>) parts.push(chunk);
    return Buffer.concat(parts);
  } finally {
    void connection.done();
  }
}

beforeAll(async () => {
  await upsertBars(schema.current().db, BARS);
});

test('queryBarChunks gives the stored bars in start order, chunks joined equal queryBars', async () => {
  const chunks: unknown[] = [];
  for await (const chunk of queryBarChunks(schema.current().db, ALL)) chunks.push(...chunk);
  expect(chunks).toEqual(BARS);
  expect(await queryBars(schema.current().db, ALL)).toEqual(BARS);
});

test('property: the binary decoder gives the same bars however the stream is cut into chunks', async () => {
  const bytes = await copyBytes();
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 30 }), (cuts) => {
      const rows = new BinaryBarRows(ALL);
      const bounds = [0, ...cuts.sort((a, b) => a - b), bytes.length];
      const bars = bounds.slice(1).flatMap((end, i) => rows.push(bytes.subarray(bounds[i], end)));
      rows.finish();
      expect(bars).toEqual(BARS);
    }),
    { numRuns: 200 },
  );
});

test('a cut-off or foreign stream is a QUERY_FAILED error', async () => {
  const bytes = await copyBytes();
  const cut = new BinaryBarRows(ALL);
  cut.push(bytes.subarray(0, bytes.length - 2));
  expect(() => cut.finish()).toThrow(/ended without its trailer/);
  expect(() => new BinaryBarRows(ALL).push(Buffer.from('start,open\n1,2\n3,4\n'))).toThrow(StorageError);
  expect(() => new BinaryBarRows(ALL).push(Buffer.from('start,open\n1,2\n3,4\n'))).toThrow(
    /no PGCOPY signature/,
  );
});

test('a reader stopping early leaves the pool usable', async () => {
  for await (const chunk of queryBarChunks(schema.current().db, ALL)) {
    expect(chunk.length).toBeGreaterThan(0);
    break;
  }
  expect(await queryBars(schema.current().db, ALL)).toEqual(BARS);
});
