import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import {
  barsCsvLines,
  isoTimeFormatter,
  readCachedBars,
  readCachedBarsCsv,
  StorageError,
  writeCachedBars,
  yearFile,
} from '../src';
import { canonicalNumberEnd } from '../src/barsCsv';
import { awkwardBars } from './awkwardBars';
import { series, T0 } from './bars';
import { tempRoot } from './tempRoot';

async function csvOf(root: string, query: Parameters<typeof readCachedBarsCsv>[1]): Promise<string> {
  let text = '';
  for await (const lines of readCachedBarsCsv(root, query)) text += lines;
  return text;
}

test('property: a number canonicalNumberEnd accepts is printed by JavaScript exactly as written', () => {
  const decimal = fc.stringMatching(/^-?\d{1,22}(\.\d{1,22})?$/);
  fc.assert(
    fc.property(decimal, fc.boolean(), (text, integer) => {
      const end = canonicalNumberEnd(`${text},`, 0, integer);
      if (end === -1) return;
      expect(end).toBe(text.length);
      expect(String(Number(text))).toBe(text);
      if (integer) expect(text).not.toContain('.');
    }),
    { numRuns: 5000 },
  );
  // Prices as venues and Tickline write them take the fast path.
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 ** 12 }), fc.integer({ min: 0, max: 8 }), (units, scale) => {
      const text = String(units / 10 ** scale);
      if (/e/.test(text) || text.replace(/^0\.0*|\./g, '').length > 15) return;
      expect(canonicalNumberEnd(`${text},`, 0, false)).toBe(text.length);
    }),
  );
  for (const text of ['-0', '01', '1.', '1.50', '.5', '0.0000001', '+1', '1e5', '', '-'])
    expect(canonicalNumberEnd(`${text},`, 0, false)).toBe(-1);
});

test('property: isoTimeFormatter gives Date#toISOString for any run of times', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 })), (times) => {
      const iso = isoTimeFormatter();
      for (const ms of [...times, ...times.map((t) => t - (t % 1000))])
        expect(iso(ms)).toBe(new Date(ms).toISOString());
    }),
  );
});

describe('readCachedBarsCsv', () => {
  let cache: ReturnType<typeof tempRoot>;
  beforeEach(() => (cache = tempRoot()));
  afterEach(() => cache.remove());
  const QUERY = {
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1m',
    from: T0 - 1e10,
    to: T0 + 1e10,
  } as const;

  test('equals the bars of readCachedBars formatted, whatever the numbers, across years and sub-ranges', async () => {
    // 20,000 minutes from late December (two year files, several slices), then the awkward ones.
    const bars = [...series(20_000, { from: Date.UTC(2023, 11, 25) }), ...awkwardBars(Date.UTC(2024, 1, 1))];
    await writeCachedBars(cache.root, bars);
    for (const query of [QUERY, { ...QUERY, from: bars[5]!.start, to: bars[19_990]!.start }]) {
      const text = await csvOf(cache.root, query);
      expect(text).toBe(barsCsvLines(await readCachedBars(cache.root, query)));
      expect(text.split('\n').length - 1).toBe(query === QUERY ? bars.length : 19_985);
    }
  });

  test('rows written otherwise (other number forms, other columns, out of order) give the same text as their bars', async () => {
    const file = yearFile(cache.root, 'BTCUSDT', '1m', 2024);
    await fs.mkdir(file.slice(0, file.lastIndexOf('/')), { recursive: true });
    const header = 'timestamp,open,high,low,close,volume,trades,vwap,quality,source,revision,quality_flags';
    const files = [
      [
        header,
        '2024-01-01 00:00:00,100.50,101,1e2,0100,2.0,7.6,100.1,1,live,0,',
        '2024-01-01 00:01:00,100,101,99,100,2,7,100.1,1,"live",0,',
        '2024-01-01T00:02:00Z,100,101,99,100,2,7,100.1,0.5,live,0,"[{""code"":""gap"",""penalty"":0.5}]"',
        '2024-01-01 00:03:00.250,-0,101,99,100,2,-0,100.1,1,live,,',
      ],
      ['timestamp,open,high,low,close,volume', '2024-01-01,1.10,2,0.5,1.5,10'],
      [
        header,
        '2024-01-01 00:02:00,1,2,0.5,1.5,10,1,1,1,live,0,',
        '2024-01-01 00:00:00,1,2,0.5,1.5,10,1,1,1,live,0,',
      ],
    ];
    for (const rows of files) {
      await fs.writeFile(file, await promisify(zlib.gzip)(`${rows.join('\r\n')}\n`));
      const bars = await readCachedBars(cache.root, QUERY);
      expect(bars.length).toBe(rows.length - 1);
      expect(await csvOf(cache.root, QUERY)).toBe(barsCsvLines(bars));
    }
  });

  test('a row that is not a bar is CACHE_CORRUPT naming the file and row, as readCachedBars says', async () => {
    await writeCachedBars(cache.root, series(10));
    const file = yearFile(cache.root, 'BTCUSDT', '1m', 2024);
    const text = zlib.gunzipSync(await fs.readFile(file)).toString();
    await fs.writeFile(
      file,
      zlib.gzipSync(text.replace(/\n2024-01-01 00:04:00,[^,]*/, '\n2024-01-01 00:04:00,abc')),
    );
    const error = await csvOf(cache.root, QUERY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('CACHE_CORRUPT');
    await expect(readCachedBars(cache.root, QUERY)).rejects.toThrow((error as Error).message);
  });
});
