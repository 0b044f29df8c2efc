// Storage timings (not a test): upsert strategies and the one-year 1m read, against DATABASE_URL.
// Run after `npm run build`: node packages/storage/bench/storageBench.js [rows-per-batch]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  connectDatabase,
  migrate,
  upsertBars,
  queryBars,
  pgp,
  writeCachedBars,
  readCachedBars,
} = require('../dist');

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `tl_bench_${process.pid}`;
const T0 = Date.UTC(2023, 0, 1);
const YEAR_1M = 525_600;

function bars(count, from, symbol = 'BTCUSDT') {
  return Array.from({ length: count }, (_, i) => {
    const open = 20000 + (i % 1000) * 0.01;
    return {
      venue: 'binance',
      symbol,
      timeframe: '1m',
      start: from + i * 60_000,
      open,
      high: open + 5,
      low: open - 5,
      close: open + 1,
      volume: 1.5 + (i % 10),
      trades: 10 + (i % 100),
      vwap: open + 0.5,
      final: true,
      revision: 0,
      quality: { score: 1, flags: [] },
      source: 'live',
    };
  });
}

// The alternative measured against jsonb_to_recordset: a multi-row VALUES list built by pg-promise.
const cs = new pgp.helpers.ColumnSet(
  [
    'venue',
    'symbol',
    'timeframe',
    { name: 'start', mod: ':raw', init: (c) => `to_timestamp(${c.value / 1000})` },
    'open',
    'high',
    'low',
    'close',
    'volume',
    'trades',
    'vwap',
    'quality_score',
    { name: 'quality_flags', mod: ':json' },
    'source',
    'revision',
    'final',
  ],
  { table: 'bars_minutes' },
);
async function upsertValues(db, list) {
  const rows = list.map((b) => ({ ...b, quality_score: b.quality.score, quality_flags: b.quality.flags }));
  await db.none(`${pgp.helpers.insert(rows, cs)} ON CONFLICT (venue, symbol, timeframe, start) DO UPDATE SET close = EXCLUDED.close
    WHERE (EXCLUDED.revision, EXCLUDED.final, EXCLUDED.source = 'live') >= (bars_minutes.revision, bars_minutes.final, bars_minutes.source = 'live')`);
}

// Wall time, and this process's CPU time: on a loaded machine the second says what the code costs.
async function timed(label, rows, fn) {
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const rate = rows ? `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s` : '';
  console.log(
    `${label.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms wall ${cpuMs.toFixed(0).padStart(6)} ms cpu  ${rate}`,
  );
  return ms;
}

/** Three timed reads of the whole year, each checked for the full row count. */
async function readYearThrice(label, read) {
  for (let i = 0; i < 3; i++) {
    let got = 0;
    await timed(label, YEAR_1M, async () => (got = (await read()).length));
    if (got !== YEAR_1M) throw new Error(`${label}: read ${got} rows`);
  }
}

async function main() {
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs`,
  );
  const batch = Number(process.argv[2] ?? 5000);
  const db = connectDatabase(url, { schema, max: 4 });
  try {
    await migrate(db, { schema });
    const total = Number(process.env.BENCH_ROWS ?? 100_000);
    const data = bars(total, T0, 'SOLUSDT');
    for (const [label, write] of [
      ['upsert jsonb_to_recordset (library)', (b) => upsertBars(db, b, { validate: false })],
      ['upsert multi-row VALUES (pg-promise helpers)', (b) => upsertValues(db, b)],
    ]) {
      await db.none('TRUNCATE bars_minutes');
      await timed(`${label}, new rows, batch ${batch}`, total, async () => {
        for (let i = 0; i < total; i += batch) await write(data.slice(i, i + batch));
      });
      await timed(`${label}, same rows again, batch ${batch}`, total, async () => {
        for (let i = 0; i < total; i += batch) await write(data.slice(i, i + batch));
      });
    }
    await timed(`upsertBars with validation, batch ${batch}`, total, async () => {
      await db.none('TRUNCATE bars_minutes');
      for (let i = 0; i < total; i += batch) await upsertBars(db, data.slice(i, i + batch));
    });
    const year = bars(YEAR_1M, T0);
    await timed('load one year of 1m bars (525,600)', YEAR_1M, async () => {
      for (let i = 0; i < YEAR_1M; i += 20_000)
        await upsertBars(db, year.slice(i, i + 20_000), { validate: false });
    });
    await db.none('VACUUM ANALYZE bars_minutes');
    const query = {
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframe: '1m',
      from: T0,
      to: T0 + YEAR_1M * 60_000,
    };
    await readYearThrice('queryBars one year of 1m bars', () => queryBars(db, query));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-'));
    try {
      await timed('writeCachedBars one year of 1m bars (one batch)', YEAR_1M, () =>
        writeCachedBars(root, year),
      );
      const cacheQuery = { symbol: 'BTCUSDT', timeframe: '1m', from: T0, to: T0 + YEAR_1M * 60_000 };
      await readYearThrice('readCachedBars one year of 1m bars', () => readCachedBars(root, cacheQuery));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  } finally {
    await db.none(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.$pool.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
