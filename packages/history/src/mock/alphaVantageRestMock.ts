import { EQUITY_TIME_ZONE, equitySessionDay, zoneOffsetMs, type Timeframe } from '@tickline/core';
import { ALPHAVANTAGE_INTERVALS } from '../timeframeCodes';
import { FixedWindowCounter, json, MockRestServer, type MockReply } from './mockRestServer';
import { syntheticBar, syntheticStarts } from './syntheticBars';

/** Every field has a default, given in brackets. */
export interface AlphaVantageRestMockOptions {
  port?: number;
  /** The key requests must carry [any non-empty key]. */
  apiKey?: string;
  /** Burst limit per second [1, the free plan's]. */
  perSecond?: number;
  /** The burst window, ms; tests stretch it to make the burst note certain [1000]. */
  burstWindowMs?: number;
  /** Daily quota [25, the free plan's]. */
  perDay?: number;
  /** TIME_SERIES_DAILY with outputsize=full answers the premium note, as on current free keys [true]. */
  premiumDailyFull?: boolean;
  /** First day of daily history [2015-01-01]. */
  dailyFrom?: number;
  /** Bars exist up to this time [Date.now]. */
  now?: () => number;
}

/** The notes Alpha Vantage sends with HTTP 200 instead of data (protocols/venues.md §6). */
export const ALPHAVANTAGE_NOTES = {
  perSecond:
    'Thank you for using Alpha Vantage! Please consider spreading out your free API requests more sparingly (1 request per second). You may subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to lift the free key rate limit (25 requests per day) and instantly remove all daily rate limits.',
  perDay:
    'Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits.',
  premium:
    'Thank you for using Alpha Vantage! This is a premium endpoint. You may subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly unlock all premium endpoints',
};

const INTERVALS = new Map(
  Object.entries(ALPHAVANTAGE_INTERVALS).map(([tf, code]) => [code, tf as Timeframe]),
);

/**
 * Alpha Vantage /query for TIME_SERIES_INTRADAY (month=YYYY-MM, New York wall-time keys, newest
 * first) and TIME_SERIES_DAILY. Every limit answers HTTP 200 with a note instead of data: 1 request
 * per second, 25 per day, premium-only options; a missing key or bad call is an "Error Message".
 */
export class AlphaVantageRestMock extends MockRestServer {
  notesSent = 0;
  private readonly second: FixedWindowCounter;
  private readonly day = new FixedWindowCounter(86_400_000);
  private readonly now: () => number;

  private constructor(private readonly options: AlphaVantageRestMockOptions) {
    super({ '/query': (url) => this.query(url) });
    this.second = new FixedWindowCounter(options.burstWindowMs ?? 1000);
    this.now = options.now ?? Date.now;
  }

  static async start(options: AlphaVantageRestMockOptions = {}): Promise<AlphaVantageRestMock> {
    const mock = new AlphaVantageRestMock(options);
    await mock.listen(options.port);
    return mock;
  }

  private note(key: 'Information' | 'Note', text: string): MockReply {
    this.notesSent++;
    return json(200, { [key]: text });
  }

  private query(url: URL): MockReply {
    const p = url.searchParams;
    const key = p.get('apikey');
    if (!key || (this.options.apiKey !== undefined && key !== this.options.apiKey)) {
      return json(200, {
        'Error Message':
          'the parameter apikey is invalid or missing. Please claim your free API key on (https://www.alphavantage.co/support/#api-key). It should take less than 20 seconds.',
      });
    }
    const now = Date.now();
    if (this.day.add(now, 1) > (this.options.perDay ?? 25))
      return this.note('Information', ALPHAVANTAGE_NOTES.perDay);
    if (this.second.add(now, 1) > (this.options.perSecond ?? 1))
      return this.note('Information', ALPHAVANTAGE_NOTES.perSecond);
    const fn = p.get('function');
    const symbol = p.get('symbol') ?? '';
    if (fn === 'TIME_SERIES_DAILY') {
      if (p.get('outputsize') === 'full' && (this.options.premiumDailyFull ?? true))
        return this.note('Information', ALPHAVANTAGE_NOTES.premium);
      return this.daily(symbol, p.get('outputsize') === 'full');
    }
    const timeframe = INTERVALS.get(p.get('interval') ?? '');
    if (fn !== 'TIME_SERIES_INTRADAY' || !symbol || timeframe === undefined || timeframe === '1d') {
      return json(200, {
        'Error Message': `Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for ${fn ?? 'this function'}.`,
      });
    }
    return this.intraday(
      symbol,
      timeframe,
      p.get('interval')!,
      p.get('month'),
      p.get('outputsize') === 'full',
    );
  }

  private intraday(
    symbol: string,
    timeframe: Timeframe,
    interval: string,
    month: string | null,
    full: boolean,
  ): MockReply {
    const now = this.now();
    let starts: number[];
    if (month !== null) {
      const [year, m] = month.split('-').map(Number) as [number, number];
      const from = Date.UTC(year, m - 1, 1) - 86_400_000;
      starts = syntheticStarts(timeframe, from, Math.min(Date.UTC(year, m, 2), now), 'us-equity').filter(
        (t) => equitySessionDay(t).startsWith(month),
      );
    } else {
      starts = syntheticStarts(timeframe, now - 30 * 86_400_000, now, 'us-equity');
      if (!full) starts = starts.slice(-100);
    }
    const rows: Record<string, Record<string, string>> = {};
    for (const t of starts.reverse()) rows[newYorkWall(t)] = values(syntheticBar(symbol, timeframe, t));
    const meta = {
      '1. Information': `Intraday (${interval}) open, high, low, close prices and volume`,
      '2. Symbol': symbol,
      '3. Last Refreshed': starts.length > 0 ? newYorkWall(starts[0]!) : '',
      '4. Interval': interval,
      '5. Output Size': full ? 'Full size' : 'Compact',
      '6. Time Zone': 'US/Eastern',
    };
    return json(200, { 'Meta Data': meta, [`Time Series (${interval})`]: rows });
  }

  private daily(symbol: string, full: boolean): MockReply {
    const opens = syntheticStarts(
      '1d',
      this.options.dailyFrom ?? Date.UTC(2015, 0, 1),
      this.now(),
      'us-equity',
    ).reverse();
    const rows: Record<string, Record<string, string>> = {};
    for (const open of full ? opens : opens.slice(0, 100))
      rows[equitySessionDay(open)] = values(syntheticBar(symbol, '1d', open));
    const meta = {
      '1. Information': 'Daily Prices (open, high, low, close) and Volumes',
      '2. Symbol': symbol,
      '3. Last Refreshed': Object.keys(rows)[0] ?? '',
      '4. Output Size': full ? 'Full size' : 'Compact',
      '5. Time Zone': 'US/Eastern',
    };
    return json(200, { 'Meta Data': meta, 'Time Series (Daily)': rows });
  }
}

function values(b: { open: number; high: number; low: number; close: number; volume: number }) {
  return {
    '1. open': b.open.toFixed(4),
    '2. high': b.high.toFixed(4),
    '3. low': b.low.toFixed(4),
    '4. close': b.close.toFixed(4),
    '5. volume': String(b.volume),
  };
}

const offsets = new Map<number, number>();

// New York wall time as Alpha Vantage writes it; the zone's offset is looked up once per UTC hour.
function newYorkWall(ts: number): string {
  const hour = Math.floor(ts / 3_600_000);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    offset = zoneOffsetMs(EQUITY_TIME_ZONE, hour * 3_600_000);
    offsets.set(hour, offset);
  }
  return new Date(ts + offset).toISOString().slice(0, 19).replace('T', ' ');
}
