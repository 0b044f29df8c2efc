import fc from 'fast-check';
import type { Bar } from '@tickline/core';
import { comparePrecedence, queryBars, StorageError, upsertBars } from '../src';
import { bar, series, T0 } from './bars';
import { useMigratedSchema } from './testDatabase';

const schema = useMigratedSchema();
beforeEach(async () => {
  await schema.current().db.none('TRUNCATE bars_seconds, bars_minutes, bars_hours, bars_days');
});

const ALL = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', from: T0 - 1e9, to: T0 + 1e9 } as const;

test('bars read back exactly as written, in start order, range [from, to)', async () => {
  const bars = series(10);
  await upsertBars(schema.current().db, [...bars].reverse());
  expect(await queryBars(schema.current().db, ALL)).toEqual(bars);
  const range = await queryBars(schema.current().db, { ...ALL, from: bars[2]!.start, to: bars[5]!.start });
  expect(range.map((b) => b.start)).toEqual([bars[2]!.start, bars[3]!.start, bars[4]!.start]);
  expect(await queryBars(schema.current().db, { ...ALL, from: bars[3]!.start, to: bars[3]!.start })).toEqual(
    [],
  );
  expect(await queryBars(schema.current().db, { ...ALL, symbol: 'ETHUSDT' })).toEqual([]);
  expect(await queryBars(schema.current().db, { ...ALL, timeframe: '5m' })).toEqual([]);
});

test('timeframes of several tiers go in one batch, each to its table', async () => {
  const mixed = [bar({ timeframe: '1s' }), bar({ timeframe: '1h' }), bar({ timeframe: '1d' }), bar()];
  expect(await upsertBars(schema.current().db, mixed)).toBe(4);
  for (const tf of ['1s', '1h', '1d', '1m'] as const) {
    expect(await queryBars(schema.current().db, { ...ALL, timeframe: tf })).toEqual([bar({ timeframe: tf })]);
  }
  const perTable = await schema.current().db.one<{ n: number }>('SELECT count(*)::int AS n FROM bars');
  expect(perTable.n).toBe(4);
});

test('the same batch twice changes nothing, not even updated_at', async () => {
  const bars = series(50);
  expect(await upsertBars(schema.current().db, bars)).toBe(50);
  const before = await schema.current().db.any('SELECT * FROM bars_minutes ORDER BY start');
  expect(await upsertBars(schema.current().db, bars)).toBe(0);
  expect(await schema.current().db.any('SELECT * FROM bars_minutes ORDER BY start')).toEqual(before);
});

test('precedence: revision, then final over partial, then live over provider, then the later write', async () => {
  const partialLive = bar({ final: false, close: 1 });
  const finalProvider = bar({ source: 'binance-klines', close: 2 });
  const finalLive = bar({ close: 3 });
  const repair = bar({ source: 'binance-klines', revision: 1, close: 4 });
  const close = async () => (await queryBars(schema.current().db, ALL))[0]?.close;

  await upsertBars(schema.current().db, [partialLive]);
  await upsertBars(schema.current().db, [finalProvider]);
  expect(await close()).toBe(2); // final beats partial
  await upsertBars(schema.current().db, [finalLive]);
  expect(await close()).toBe(3); // live beats provider
  await upsertBars(schema.current().db, [finalProvider, partialLive]);
  expect(await close()).toBe(3); // neither outranks the final live bar
  await upsertBars(schema.current().db, [repair]);
  expect(await close()).toBe(4); // a repair carries a higher revision
  await upsertBars(schema.current().db, [finalLive]);
  expect(await close()).toBe(4);
});

test('successive partial updates of a live bar: the later one wins', async () => {
  await upsertBars(schema.current().db, [bar({ final: false, close: 10 })]);
  await upsertBars(schema.current().db, [bar({ final: false, close: 11 })]);
  expect((await queryBars(schema.current().db, ALL))[0]?.close).toBe(11);
});

test('property: after any sequence of batches, each key holds the max by precedence (ties: the last written)', async () => {
  const version = fc.record({
    slot: fc.integer({ min: 0, max: 3 }),
    revision: fc.integer({ min: 0, max: 2 }),
    final: fc.boolean(),
    live: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(version, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
      async (batches) => {
        await schema.current().db.none('TRUNCATE bars_minutes');
        let n = 0;
        const written: Bar[] = [];
        for (const batch of batches) {
          const bars = batch.map((v) =>
            bar({
              start: T0 + v.slot * 60_000,
              revision: v.revision,
              final: v.final,
              source: v.live ? 'live' : 'binance-klines',
              close: ++n,
            }),
          );
          written.push(...bars);
          await upsertBars(schema.current().db, bars);
        }
        const expected = new Map<number, Bar>();
        for (const b of written) {
          const current = expected.get(b.start);
          if (current === undefined || comparePrecedence(b, current) >= 0) expected.set(b.start, b);
        }
        const stored = await queryBars(schema.current().db, ALL);
        expect(stored).toEqual([...expected.values()].sort((a, b) => a.start - b.start));
      },
    ),
    { numRuns: 60 },
  );
});

test('an invalid bar rejects the batch with its position and reason, writing nothing', async () => {
  const bad = [bar(), bar({ start: T0 + 60_000, high: Number.NaN })];
  await expect(upsertBars(schema.current().db, bad)).rejects.toThrow(StorageError);
  await expect(upsertBars(schema.current().db, bad)).rejects.toThrow(
    /bar 1 of the batch .*high must be a finite number/,
  );
  expect(await queryBars(schema.current().db, ALL)).toEqual([]);
});

test('a range with from after to is refused', async () => {
  await expect(queryBars(schema.current().db, { ...ALL, from: T0 + 1, to: T0 })).rejects.toThrow(
    /from <= to/,
  );
});

test('property: any flag text, double, count and time survive the binary COPY encoding exactly', async () => {
  // NUL is the one character jsonb cannot hold (such a bar is refused as poison, SQLSTATE 22P05).
  const text = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
  const price = fc.double({ min: 1e-9, max: 1e9, noNaN: true });
  // Queries turn epoch ms into timestamptz through float8 (interval arithmetic), exact from about 1700 to
  // 2250 AD; binaryCopy.test.ts checks the encoding over the whole range.
  const start = fc.integer({ min: Date.UTC(1700, 0, 1), max: Date.UTC(2250, 0, 1) });
  const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
  await fc.assert(
    fc.asyncProperty(text, price, count, start, text, async (detail, close, trades, at, source) => {
      const stored = bar({
        start: at,
        close,
        high: Math.max(close, 42100.25),
        low: Math.min(close, 41950),
        trades,
        revision: trades % 2 ** 31,
        source: `p${source}q`,
        quality: { score: 0.5, flags: [{ code: 'gap', penalty: 0.5, detail: `\\\t\n\r${detail}` }] },
      });
      await schema.current().db.none('TRUNCATE bars_minutes');
      await upsertBars(schema.current().db, [stored], { validate: false });
      expect(await queryBars(schema.current().db, { ...ALL, from: at, to: at + 1 })).toEqual([stored]);
    }),
    { numRuns: 60 },
  );
});

test('a batch the database rejects leaves nothing staged for the next batch on the same pool', async () => {
  const db = schema.current().db;
  await db.none('ALTER TABLE bars_minutes ADD CONSTRAINT no_big_close CHECK (close < 1000000)');
  try {
    await expect(upsertBars(db, [bar({ close: 2e6, high: 2e6 })])).rejects.toThrow(/no_big_close/);
  } finally {
    await db.none('ALTER TABLE bars_minutes DROP CONSTRAINT no_big_close');
  }
  await upsertBars(db, [bar({ start: T0 + 60_000 })]);
  expect(await queryBars(db, ALL)).toEqual([bar({ start: T0 + 60_000 })]);
});

test('a key repeated after another series in the same batch is still merged (the later write wins)', async () => {
  const db = schema.current().db;
  const eth = { symbol: 'ETHUSDT' };
  const batch = [
    bar({ close: 1 }),
    bar({ start: T0 + 60_000, close: 2 }),
    bar({ ...eth, close: 3 }),
    bar({ close: 4 }),
    bar({ ...eth, timeframe: '5m', close: 5 }),
  ];
  expect(await upsertBars(db, batch)).toBe(4);
  expect((await queryBars(db, ALL)).map((b) => b.close)).toEqual([4, 2]);
  expect((await queryBars(db, { ...ALL, ...eth })).map((b) => b.close)).toEqual([3]);
});

test('bars after the last stored ones are appended; a key a concurrent writer takes meanwhile goes through the upsert', async () => {
  const { db } = schema.current();
  await upsertBars(db, series(3));
  // Appendable (after every stored bar): the COPY goes straight into the table.
  const later = series(3, { from: T0 + 3 * 60_000 });
  expect(await upsertBars(db, later)).toBe(3);
  // Another transaction inserts a key of the next batch and commits only once our COPY waits on it:
  // the check did not see the row, the COPY fails with unique_violation, the upsert applies precedence.
  const key = bar({ start: T0 + 10 * 60_000, source: 'binance-klines' });
  let inserted!: () => void;
  let release!: () => void;
  const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const other = db.tx(async (t) => {
    await t.none(
      `INSERT INTO bars_minutes (venue, symbol, timeframe, start, open, high, low, close, volume, trades, vwap,
        quality_score, source, final) VALUES ('binance', 'BTCUSDT', '1m', to_timestamp($1 / 1000.0), 1, 1, 1, 1,
        1, 1, 1, 1, 'binance-klines', true)`,
      [key.start],
    );
    inserted();
    await gate;
  });
  await insertedYet;
  const newer = { ...key, revision: 1, source: 'live' };
  const writing = upsertBars(db, [newer]);
  for (let i = 0; i < 200; i++) {
    const waiting = await db.oneOrNone<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY bars_minutes%'`,
    );
    if (waiting !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  release();
  await other;
  expect(await writing).toBe(1);
  expect(await queryBars(db, { ...ALL, from: key.start, to: key.start + 1 })).toEqual([newer]);
});

test('a batch whose flags outgrow the encoder buffer reads back exactly', async () => {
  const detail = 'ü€'.repeat(10_000);
  const bars = series(3).map((b, i) =>
    i === 1 ? { ...b, quality: { score: 0.5, flags: [{ code: 'gap', penalty: 0.5, detail }] } } : b,
  );
  await upsertBars(schema.current().db, bars);
  expect(await queryBars(schema.current().db, ALL)).toEqual(bars);
});
