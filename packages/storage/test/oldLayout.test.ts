import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readCachedBars, verifyCache, writeCachedBars } from '../src';
import { tempRoot } from './tempRoot';

// A cache exactly as the old Python system writes it (FILECACHE.md), built here by hand.

let dir: ReturnType<typeof tempRoot>;
beforeEach(() => {
  dir = tempRoot();
});
afterEach(() => dir.remove());

async function put(relative: string, content: string | object): Promise<void> {
  const file = path.join(dir.root, relative);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
  await fs.writeFile(file, relative.endsWith('.gz') ? zlib.gzipSync(text) : text);
}

function oldMetadata(
  symbol: string,
  timeframe: string,
  year: number,
  rows: number,
  start: string,
  end: string,
) {
  return {
    symbol,
    timeframe,
    year,
    data_source: 'binance',
    created_at: '2023-02-01T10:00:00.123456',
    last_updated: '2023-02-01T10:00:00.123456',
    start_date: start,
    end_date: end,
    data_quality: { score: 0.98, validation_errors: [], gaps: 0, duplicates: 0 },
    file_info: {
      format: 'csv.gz',
      size_bytes: 1234,
      rows,
      columns: ['timestamp', 'open', 'high', 'low', 'close', 'volume'],
    },
    provider_info: { name: 'binance', reliability: 0.95, rate_limit: 1200 },
  };
}

const BINANCE_HEADER =
  'timestamp,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades,taker_buy_base_asset_volume,taker_buy_quote_asset_volume,ignore';

beforeEach(async () => {
  await put(
    'ohlcv/BTCUSDT/1h/2023.csv.gz',
    `${BINANCE_HEADER}\n` +
      '2023-01-01 00:00:00,16541.77,16545.7,16508.39,16529.67,4364.8357,1672534799999,72146162.04,96771,2230.1,36864234.2,0\n' +
      '2023-01-01 01:00:00,16529.59,16556.8,16525.78,16551.47,3590.06669,1672538399999,59399560.05,80389,1883.3,31163432.9,0\n',
  );
  await put(
    'ohlcv/BTCUSDT/1h/2023.metadata.json',
    oldMetadata('BTCUSDT', '1h', 2023, 2, '2023-01-01 00:00:00', '2023-01-01 01:00:00'),
  );
  // A daily file: date-only timestamps, bar_count, and extra columns in another order.
  await put(
    'ohlcv/AAPL/1d/2023.csv.gz',
    'timestamp,open,high,low,close,volume,bar_count,adj_close\n2023-01-03,130.28,130.9,124.17,125.07,112117500,770000,124.2\n2023-01-04,126.89,128.66,125.08,126.36,89113600,650000,125.5\n',
  );
  await put('ohlcv/AAPL/1d/2023.metadata.json', {
    ...oldMetadata('AAPL', '1d', 2023, 2, '2023-01-03', '2023-01-04'),
    data_source: 'yahoo_finance',
    provider_info: { name: 'yahoo_finance', reliability: 0.9, rate_limit: 2000 },
  });
  // The pipeline variant: all 1m history in one file, columns reordered, no index column.
  await put(
    'ohlcv/ETHUSDT/ETHUSDT-1m.csv.gz',
    'timestamp,volume,open,high,low,close\n2023-05-01 00:00:00,10.5,1800,1801,1799,1800.5\n2023-05-01 00:01:00,7.25,1800.5,1802,1800,1801\n',
  );
  await put('ohlcv/_metadata/symbols.json', {
    BTCUSDT: {
      '1h': {
        '2023': { provider: 'binance', last_updated: '2023-02-01T10:00:00', quality_score: 0.98, rows: 2 },
      },
    },
  });
  await put('cache_stats.json', {
    total_size_gb: 0.000001,
    files_count: 2,
    last_updated: '2023-02-01T10:00:00',
  });
});

const ALL = { from: Date.UTC(2023, 0, 1), to: Date.UTC(2024, 0, 1) };

test('Binance year file with extra columns: trades from number_of_trades, vwap from quote volume', async () => {
  const bars = await readCachedBars(dir.root, { symbol: 'BTCUSDT', timeframe: '1h', ...ALL });
  expect(bars).toHaveLength(2);
  expect(bars[0]).toEqual({
    venue: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '1h',
    start: Date.UTC(2023, 0, 1),
    open: 16541.77,
    high: 16545.7,
    low: 16508.39,
    close: 16529.67,
    volume: 4364.8357,
    trades: 96771,
    vwap: 72146162.04 / 4364.8357,
    final: true,
    revision: 0,
    quality: { score: 1, flags: [] },
    source: 'binance',
  });
});

test('daily file with date-only timestamps and bar_count; its venue must be given (metadata says yahoo_finance)', async () => {
  const query = { symbol: 'AAPL', timeframe: '1d', ...ALL } as const;
  await expect(readCachedBars(dir.root, query)).rejects.toThrow(/pass venue in the query/);
  const bars = await readCachedBars(dir.root, { ...query, venue: 'yahoo' });
  expect(bars.map((b) => [new Date(b.start).toISOString(), b.close, b.trades, b.source])).toEqual([
    ['2023-01-03T00:00:00.000Z', 125.07, 770000, 'yahoo_finance'],
    ['2023-01-04T00:00:00.000Z', 126.36, 650000, 'yahoo_finance'],
  ]);
});

test('pipeline variant {T}/{T}-1m.csv.gz is read for 1m queries', async () => {
  const bars = await readCachedBars(dir.root, {
    symbol: 'ETHUSDT',
    timeframe: '1m',
    venue: 'binance',
    ...ALL,
  });
  expect(bars.map((b) => [b.start, b.open, b.volume])).toEqual([
    [Date.UTC(2023, 4, 1), 1800, 10.5],
    [Date.UTC(2023, 4, 1, 0, 1), 1800.5, 7.25],
  ]);
});

test('the old cache verifies clean, and writing into it keeps its rows and its index entries', async () => {
  expect(await verifyCache(dir.root)).toEqual({ checked: 3, bad: [] });
  const [first] = await readCachedBars(dir.root, { symbol: 'BTCUSDT', timeframe: '1h', ...ALL });
  await writeCachedBars(dir.root, [{ ...first!, start: Date.UTC(2023, 0, 1, 2), source: 'live' }]);
  const bars = await readCachedBars(dir.root, { symbol: 'BTCUSDT', timeframe: '1h', ...ALL });
  expect(bars.map((b) => b.source)).toEqual(['binance', 'binance', 'live']);
  const symbols = JSON.parse(await fs.readFile(path.join(dir.root, 'ohlcv/_metadata/symbols.json'), 'utf8'));
  expect(symbols.BTCUSDT['1h']['2023']).toMatchObject({ rows: 3 });
});
