import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Trade } from '@tickline/core';
import { tradeFromLine } from '../src/aggregateCommand';
import { captureCli } from './support/captureCli';

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'tickline-aggregate-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = captureCli;

function file(name: string, lines: readonly string[], gzip = false): string {
  const target = path.join(dir, name);
  const text = lines.join('\n') + '\n';
  writeFileSync(target, gzip ? gzipSync(text) : text);
  return target;
}

const t0 = Date.parse('2024-03-01T10:00:00Z');
const line = (ts: number, price: number, size: number, id: string, symbol = 'BTCUSDT') =>
  JSON.stringify({ venue: 'binance', symbol, ts, price, size, side: 'buy', id });

// Three minutes: the second has no trades; one trade arrives 1.5 s late (within the lateness), one twice.
const TICKS = [
  line(t0 + 1_000, 100, 1, '1'),
  line(t0 + 30_000, 104, 2, '2'),
  line(t0 + 59_000, 99, 1, '4'),
  line(t0 + 58_500, 101, 3, '3'),
  line(t0 + 59_000, 99, 1, '4'),
  line(t0 + 125_000, 110, 0.5, '5'),
];

describe('tickline aggregate', () => {
  it('prints the final bars as CSV, the same from a gzip file, and a summary on stderr', async () => {
    const plain = await cli(['aggregate', '--in', file('ticks.jsonl', TICKS), '--timeframe', '1m']);
    expect(plain.code).toBe(0);
    const rows = plain.stdout.trim().split('\n');
    expect(rows[0]).toBe('start,open,high,low,close,volume,trades,vwap,quality');
    const fields = rows.slice(1).map((row) => row.split(','));
    expect(fields.map((f) => f.slice(0, 7))).toEqual([
      ['2024-03-01T10:00:00.000Z', '100', '104', '99', '99', '7', '4'],
      ['2024-03-01T10:02:00.000Z', '110', '110', '110', '110', '0.5', '1'],
    ]);
    expect(Number(fields[0]![7])).toBeCloseTo((100 + 208 + 99 + 303) / 7, 12);
    expect(fields.every((f) => Number(f[8]) >= 0 && Number(f[8]) <= 1)).toBe(true);
    expect(plain.stderr).toBe('aggregated 6 trades into 2 bars, 1 duplicates ignored\n');

    const gz = await cli(['aggregate', '--in', file('ticks.jsonl.gz', TICKS, true), '--timeframe', '1m']);
    expect(gz.stdout).toBe(plain.stdout);
  });

  it('prints JSON with the instrument; several instruments need JSON or --symbol', async () => {
    const mixed = file('mixed.jsonl', [...TICKS, line(t0 + 2_000, 50, 1, 'e1', 'ETHUSDT')]);
    const json = await cli(['aggregate', '--in', mixed, '--timeframe', '1h', '--format', 'json']);
    const bars = JSON.parse(json.stdout) as { symbol: string; trades: number; timeframe: string }[];
    expect(bars.map((b) => [b.symbol, b.timeframe, b.trades])).toEqual([
      ['BTCUSDT', '1h', 5],
      ['ETHUSDT', '1h', 1],
    ]);
    const csv = await cli(['aggregate', '--in', mixed, '--timeframe', '1h']);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toMatch(
      /mixed\.jsonl holds 2 instruments \(binance:BTCUSDT, binance:ETHUSDT\).*--symbol/,
    );
    const one = await cli(['aggregate', '--in', mixed, '--timeframe', '1h', '--symbol', 'ETHUSDT']);
    expect(one.stdout.trim().split('\n')[1]).toMatch(/^2024-03-01T10:00:00.000Z,50,50,50,50,1,1,50,/);
  });

  it('names the file and line of bad input, and refuses unknown timeframes and missing files', async () => {
    const bad = file('bad.jsonl', [TICKS[0]!, '{"venue":"binance"', TICKS[1]!]);
    expect((await cli(['aggregate', '--in', bad, '--timeframe', '1m'])).stderr).toMatch(
      /bad\.jsonl:2: not JSON/,
    );
    const noPrice = JSON.stringify({ ...JSON.parse(TICKS[0]!), price: -1 });
    const invalid = await cli([
      'aggregate',
      '--in',
      file('neg.jsonl', [TICKS[1]!, '', noPrice]),
      '--timeframe',
      '1m',
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/neg\.jsonl:3: .*price/);
    const badTf = await cli(['aggregate', '--in', bad, '--timeframe', '7m']);
    expect(badTf.stderr).toMatch(/--timeframe "7m" is not a timeframe/);
    const missing = await cli(['aggregate', '--in', path.join(dir, 'nope.jsonl.gz'), '--timeframe', '1m']);
    expect(missing.stderr).toMatch(/cannot read .*nope\.jsonl\.gz: ENOENT/);
    const notGzip = await cli(['aggregate', '--in', file('plain.jsonl.gz', TICKS), '--timeframe', '1m']);
    expect(notGzip.stderr).toMatch(/cannot read .*plain\.jsonl\.gz: incorrect header check/);
  });

  it('reads a line into a Trade: recvTs defaults to ts; conditions and tape kept', () => {
    const trade: Trade = {
      venue: 'alpaca',
      symbol: 'AAPL',
      ts: t0,
      recvTs: t0,
      price: 180.5,
      size: 3,
      side: 'unknown',
      id: '77',
      conditions: ['@', 'I'],
      tape: 'C',
    };
    const { recvTs: _omitted, ...inFile } = trade;
    expect(tradeFromLine(JSON.stringify(inFile), 'f:1')).toEqual(trade);
    expect(() => tradeFromLine(JSON.stringify({ ...inFile, side: 'long' }), 'f:9')).toThrow(/^f:9: .*side/);
  });
});
