import { ProviderError } from '@tickline/providers';
import { redisTestContext, type RedisTestContext } from '@tickline/testkit';
import { AlphaVantageHistory, AlphaVantageRestMock, syntheticBar } from '../src';
import { AAPL } from './support/fixtures';
import { allPages, gate } from './support/gates';

const KEY = 'AVKEY-9f8e7d';
let ctx: RedisTestContext;
let mock: AlphaVantageRestMock;
beforeEach(() => (ctx = redisTestContext('tlavhist')));
afterEach(async () => {
  await mock.close();
  await ctx.cleanup();
});

const AV_RULES = [
  { limit: 1, windowMs: 1000, marginMs: 100 },
  { limit: 25, windowMs: 86_400_000 },
];

describe('AlphaVantageHistory against the Alpha Vantage mock', () => {
  it('walks intraday month by month within the shared 1/s limit, New York wall time converted to UTC', async () => {
    mock = await AlphaVantageRestMock.start({ apiKey: KEY });
    const history = new AlphaVantageHistory({
      restUrl: mock.url,
      gate: gate('alphavantage', { ...ctx, rules: AV_RULES }),
      apiKey: KEY,
    });
    // 2024-02-29 19:00 EST .. 2024-03-01 10:00 EST spans two New York months
    const from = Date.UTC(2024, 2, 1); // 19:00 EST on the 29th
    const pages = await allPages((cursor) =>
      history.fetchPage({ instrument: AAPL, timeframe: '1h', from, to: Date.UTC(2024, 2, 1, 15), cursor }),
    );
    expect(pages).toHaveLength(2);
    expect(mock.notesSent).toBe(0);
    const bars = pages.flatMap((p) => p.bars);
    // 19:00 EST on the 29th, then 04:00..09:00 EST on the 1st (extended hours; 10:00 is the end)
    expect(bars.map((b) => b.start)).toEqual([
      Date.UTC(2024, 2, 1, 0),
      ...[9, 10, 11, 12, 13, 14].map((h) => Date.UTC(2024, 2, 1, h)),
    ]);
    expect(bars[1]).toMatchObject({
      source: 'alphavantage:raw',
      close: syntheticBar('AAPL', '1h', Date.UTC(2024, 2, 1, 9)).close,
    });
  });

  it('an HTTP-200 rate-limit note is a retryable RATE_LIMITED, never an empty result', async () => {
    mock = await AlphaVantageRestMock.start({ apiKey: KEY, burstWindowMs: 600_000 });
    const g = gate('alphavantage'); // no shared limiter: a second call within the burst window draws the note
    const history = new AlphaVantageHistory({ restUrl: mock.url, gate: g, apiKey: KEY });
    const request = {
      instrument: AAPL,
      timeframe: '5m' as const,
      from: Date.UTC(2024, 2, 4),
      to: Date.UTC(2024, 2, 5),
    };
    const results = await Promise.allSettled([0, 1, 2].map(() => history.fetchPage(request)));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as ProviderError] : []));
    const pages = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(errors.length).toBe(2);
    expect(pages.every((p) => p.bars.length > 0)).toBe(true); // a note never became an empty page
    for (const error of errors) {
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 1000 });
      expect(error.message).toContain('1 request per second');
      expect(error.message).not.toContain(KEY);
    }
    expect(mock.notesSent).toBe(errors.length);
    expect(g.status().rateLimitHits).toBe(errors.length);
  });

  it('daily: compact works, full is a premium note (UNAUTHORIZED, not retryable); a wrong key is rejected without showing it', async () => {
    const now = Date.UTC(2024, 5, 3, 21);
    mock = await AlphaVantageRestMock.start({ apiKey: KEY, perSecond: 100, now: () => now });
    const history = new AlphaVantageHistory({
      restUrl: mock.url,
      gate: gate('alphavantage'),
      apiKey: KEY,
      now: () => now,
    });
    const recent = await history.fetchPage({
      instrument: AAPL,
      timeframe: '1d',
      from: Date.UTC(2024, 4, 27),
      to: now,
    });
    expect(recent.bars).toHaveLength(6); // May 27 (Memorial Day) is a weekday to the mock: no holiday calendar
    await expect(
      history.fetchPage({ instrument: AAPL, timeframe: '1d', from: Date.UTC(2020, 0, 1), to: now }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    const wrong = new AlphaVantageHistory({
      restUrl: mock.url,
      gate: gate('alphavantage'),
      apiKey: 'WRONG-KEY-1',
    });
    const error = (await wrong
      .fetchPage({ instrument: AAPL, timeframe: '1d', from: Date.UTC(2024, 4, 27), to: now })
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toMatchObject({ code: 'REQUEST_REJECTED' });
    expect(error.message).not.toContain('WRONG-KEY-1');
  });
});
