import { bar } from '../../storage/test/bars';
import { barsWriter, writeBars } from '../src/barsOutput';
import { parseTime } from '../src/storageCommands';
import { captureCli } from './support/captureCli';

async function cli(argv: string[], env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await captureCli(argv, env);
  return { code, stdout: () => stdout, stderr: () => stderr };
}

test('db migrate without DATABASE_URL fails with the variable to set', async () => {
  const result = await cli(['db', 'migrate']);
  expect(result.code).toBe(2);
  expect(result.stderr()).toMatch(/tickline db migrate needs PostgreSQL, but DATABASE_URL is not set/);
});

test('bars --source db without DATABASE_URL fails clearly; bad arguments name themselves', async () => {
  const args = ['bars', '--venue', 'binance', '--symbol', 'BTCUSDT', '--timeframe', '1m', '--from', '0'];
  expect((await cli([...args, '--to', '1', '--source', 'db'])).stderr()).toMatch(/DATABASE_URL is not set/);
  expect((await cli([...args, '--to', 'yesterday'])).stderr()).toMatch(/--to "yesterday" is not a time/);
  const badTf = await cli([
    'bars',
    '--venue',
    'binance',
    '--symbol',
    'X',
    '--timeframe',
    '7m',
    '--from',
    '0',
    '--to',
    '1',
  ]);
  expect(badTf.stderr()).toMatch(/--timeframe "7m" is not a timeframe/);
});

test('times are ISO-8601 in UTC unless zoned, or epoch ms', () => {
  expect(parseTime('2025-01-01', 'from')).toBe(Date.UTC(2025, 0, 1));
  expect(parseTime('2025-01-01T10:00', 'from')).toBe(Date.UTC(2025, 0, 1, 10));
  expect(parseTime('2025-01-01T10:00+02:00', 'from')).toBe(Date.UTC(2025, 0, 1, 8));
  expect(parseTime('1735689600000', 'from')).toBe(Date.UTC(2025, 0, 1));
  // The era every request is bounded to, as the gateway checks it (docs/security.md).
  for (const far of ['+275760-09-13T00:00:00Z', '8640000000000000', '1899-12-31', '2200-01-01']) {
    expect(() => parseTime(far, 'to')).toThrow(/--to .* must be a whole epoch ms from 1900/);
  }
});

test('--help lists the storage commands', async () => {
  const result = await cli(['--help']);
  expect(result.stdout()).toMatch(/bars \[options\]/);
  expect(result.stdout()).toMatch(/cache/);
  expect(result.stdout()).toMatch(/db/);
  const bars = await cli(['bars', '--help']);
  expect(bars.stdout()).toMatch(/start,open,high,low,close,volume,trades,vwap,quality/);
});

test('bars output writes the same ISO times as Date#toISOString', async () => {
  const starts = [0, -1, 1735689599999, 1735689600000, Date.UTC(2024, 1, 29, 23, 59, 59, 7), 253402300799999];
  let out = '';
  await writeBars(
    starts.map((start) => bar({ start })),
    'csv',
    (text) => (out += text),
  );
  const times = out
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]);
  expect(times).toEqual(starts.map((ms) => new Date(ms).toISOString()));
});

test('bars written in several chunks (one past the piece size) form one CSV and one JSON array', async () => {
  const chunks = [[bar()], [], Array.from({ length: 16_385 }, (_, i) => bar({ start: (i + 1) * 60_000 }))];
  for (const format of ['csv', 'json'] as const) {
    let out = '';
    let waits = 0;
    const writer = barsWriter(
      format,
      (text) => (out += text),
      () => Promise.resolve(void waits++),
    );
    for (const chunk of chunks) await writer.write(chunk);
    writer.end();
    const count = format === 'csv' ? out.trimEnd().split('\n').length - 1 : (JSON.parse(out) as []).length;
    expect(count).toBe(16_386);
    expect(waits).toBe(3); // after every piece written: one, then two for the 16,385
  }
  let empty = '';
  await writeBars([], 'json', (text) => (empty += text));
  expect(JSON.parse(empty)).toEqual([]);
});
