import { DAY_MS, equitySession } from '@tickline/core';
import { type ProviderError } from '@tickline/providers';
import { syntheticBar, YAHOO_MOCK_DIVIDEND_FACTOR, YahooHistory, YahooRestMock } from '../src';
import { AAPL } from './support/fixtures';
import { allPages, gate } from './support/gates';

let mock: YahooRestMock;
afterEach(() => mock.close());

const march = { instrument: AAPL, from: Date.UTC(2024, 2, 4), to: Date.UTC(2024, 2, 9) };

describe('YahooHistory against the Yahoo mock', () => {
  it('daily bars: split-adjusted as sent, or dividend-adjusted from adjclose', async () => {
    mock = await YahooRestMock.start();
    const history = new YahooHistory({ restUrl: mock.url, gate: gate('yahoo') });
    const split = await history.fetchPage({ ...march, timeframe: '1d', adjustment: 'split' });
    const all = await history.fetchPage({ ...march, timeframe: '1d', adjustment: 'all' });
    expect(split.bars.map((b) => b.start)).toEqual(
      ['04', '05', '06', '07', '08'].map((d) => equitySession(`2024-03-${d}`)!.open),
    );
    expect(split.bars[0]).toMatchObject({
      source: 'yahoo:split',
      close: syntheticBar('AAPL', '1d', split.bars[0]!.start).close,
    });
    expect(all.bars[0]!.source).toBe('yahoo:all');
    expect(all.bars[0]!.close).toBeCloseTo(split.bars[0]!.close * YAHOO_MOCK_DIVIDEND_FACTOR, 9);
    await expect(history.fetchPage({ ...march, timeframe: '1d', adjustment: 'raw' })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  });

  it('splits a 1m range into requests Yahoo accepts (under 8 days each)', async () => {
    mock = await YahooRestMock.start();
    const history = new YahooHistory({ restUrl: mock.url, gate: gate('yahoo') });
    const from = Date.UTC(2024, 2, 4);
    const pages = await allPages((cursor) =>
      history.fetchPage({
        instrument: AAPL,
        timeframe: '1m',
        from,
        to: from + 20 * DAY_MS,
        adjustment: 'split',
        cursor,
      }),
    );
    expect(pages).toHaveLength(3);
    expect(mock.stats.byStatus[422]).toBeUndefined();
    const bars = pages.flatMap((p) => p.bars);
    expect(bars).toHaveLength(15 * 16 * 60); // 15 weekdays of 04:00–20:00
    expect(new Set(bars.map((b) => b.start)).size).toBe(bars.length);
  });

  it('an empty result is an empty page, not an error, and paging goes on', async () => {
    mock = await YahooRestMock.start();
    mock.emptyNext(1);
    const history = new YahooHistory({ restUrl: mock.url, gate: gate('yahoo') });
    const first = await history.fetchPage({ ...march, timeframe: '1d', adjustment: 'split' });
    expect(first).toMatchObject({ bars: [], rejected: [], next: undefined });
    expect((await history.fetchPage({ ...march, timeframe: '1d', adjustment: 'split' })).bars).toHaveLength(
      5,
    );
  });

  it("a plain-text 429 is RATE_LIMITED; an unknown symbol is REQUEST_REJECTED with Yahoo's words", async () => {
    mock = await YahooRestMock.start({ requestsPerWindow: 1, unknownSymbols: ['NOPE'] });
    const g = gate('yahoo');
    const history = new YahooHistory({ restUrl: mock.url, gate: g });
    const gone = (await history
      .fetchPage({ ...march, instrument: { ...AAPL, symbol: 'NOPE' }, timeframe: '1d', adjustment: 'split' })
      .catch((e: unknown) => e)) as ProviderError;
    expect(gone).toMatchObject({ code: 'REQUEST_REJECTED', status: 404 });
    expect(gone.message).toContain('symbol may be delisted');
    const limited = (await history
      .fetchPage({ ...march, timeframe: '1d', adjustment: 'split' })
      .catch((e: unknown) => e)) as ProviderError;
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(limited.message).toContain('Too Many Requests');
    expect(g.status().rateLimitHits).toBe(1);
  });
});
