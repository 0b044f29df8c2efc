import { QuoteSchema, TradeSchema } from '@tickline/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapBinanceFrame, type BinanceMessage } from '../src/binance/binanceMapper';

const fixture = (name: string) =>
  readFileSync(join(__dirname, 'fixtures/binance', name), 'utf8')
    .split('\n')
    .filter(Boolean);
const RECV = 1723161256000;

function expectKind<K extends BinanceMessage['kind']>(m: BinanceMessage, kind: K) {
  expect(m.kind).toBe(kind);
  return m as Extract<BinanceMessage, { kind: K }>;
}

describe('mapBinanceFrame on recorded spot trades', () => {
  const lines = fixture('spot_trade_BTCUSDT_2024-08-08_first200.jsonl');

  it('maps every frame to a valid core Trade with consecutive ids', () => {
    const trades = lines.map((line) => expectKind(mapBinanceFrame(line, RECV), 'trade'));
    for (const t of trades) expect(TradeSchema.safeParse(t.trade).success).toBe(true);
    const seqs = trades.map((t) => t.seq);
    expect(seqs).toEqual(seqs.map((_, i) => 3735683259 + i));
  });

  it('keeps venue trade time and our receive time; buyer-maker means the taker sold', () => {
    expect(mapBinanceFrame(lines[0]!, RECV)).toEqual({
      kind: 'trade',
      channel: 'trade',
      seq: 3735683259,
      trade: {
        venue: 'binance',
        symbol: 'BTCUSDT',
        ts: 1723161255342,
        recvTs: RECV,
        price: 61837.63,
        size: 0.02,
        side: 'sell',
        id: '3735683259',
      },
    });
  });

  it('maps raw /ws payloads the same as enveloped ones', () => {
    const enveloped = mapBinanceFrame(lines[1]!, RECV);
    const raw = JSON.stringify((JSON.parse(lines[1]!) as { data: unknown }).data);
    expect(mapBinanceFrame(raw, RECV)).toEqual(enveloped);
  });
});

describe('mapBinanceFrame on recorded bookTicker and aggTrade', () => {
  it('maps spot bookTicker to quotes stamped with receive time (spot sends no event time)', () => {
    for (const line of fixture('spot_bookTicker_BTCUSDT_2024-08-08_first200.jsonl')) {
      const q = expectKind(mapBinanceFrame(line, RECV), 'quote');
      expect(QuoteSchema.safeParse(q.quote).success).toBe(true);
      expect(q.quote.ts).toBe(RECV);
    }
  });

  it('maps every recorded aggTrade (spot, US, futures) with an a-prefixed id', () => {
    const lines = fixture('aggTrade_frames_cryptofeed_all_venues.jsonl');
    expect(lines).toHaveLength(155);
    for (const line of lines) {
      const t = expectKind(mapBinanceFrame(line, RECV), 'trade');
      expect(TradeSchema.safeParse(t.trade).success).toBe(true);
      expect(t.trade.id).toBe(`a${t.seq}`);
    }
  });

  it('rejects channels it does not map (depth, kline) and maps the rest of a real mixed capture', () => {
    const results = fixture('cryptofeed_spot_combined_2021-10-12.jsonl').map((l) => mapBinanceFrame(l, RECV));
    const count = (kind: string) => results.filter((r) => r.kind === kind).length;
    expect({ trades: count('trade'), quotes: count('quote'), rejects: count('reject') }).toEqual({
      trades: 2,
      quotes: 84,
      rejects: 179,
    });
    const reasons = new Set(
      results.flatMap((r) => (r.kind === 'reject' ? [r.reason.replace(/"[^"@]+@/, '"x@')] : [])),
    );
    expect([...reasons].sort()).toEqual([
      'stream "x@depth@100ms" is not a mapped channel',
      'stream "x@kline_1m" is not a mapped channel',
    ]);
  });
});

describe('mapBinanceFrame on frames that must be rejected', () => {
  const good = {
    stream: 'btcusdt@trade',
    data: {
      e: 'trade',
      E: 1723161255343,
      s: 'BTCUSDT',
      t: 1,
      p: '61837.63',
      q: '0.02',
      T: 1723161255342,
      m: true,
    },
  };
  const withData = (patch: Record<string, unknown>) =>
    JSON.stringify({ ...good, data: { ...good.data, ...patch } });
  const reason = (raw: string, options = {}) =>
    expectKind(mapBinanceFrame(raw, RECV, options), 'reject').reason;

  it.each([
    ['bad JSON', '{"stream":"btcusdt@trade","data":{"e":"tra', /^invalid JSON: /],
    ['not an object', '[1,2]', /expected a JSON object, got an array/],
    [
      'missing price',
      withData({ p: undefined }),
      /^trade: p \(price\) must be a decimal string, got nothing$/,
    ],
    ['negative price', withData({ p: '-1.5' }), /^trade: p \(price\) must be greater than 0, got -1.5$/],
    ['zero size', withData({ q: '0.00000000' }), /q \(quantity\) must be greater than 0, got 0/],
    ['NaN price', withData({ p: 'NaN' }), /p \(price\) must be a decimal string, got "NaN"/],
    ['numeric price', withData({ p: 5 }), /p \(price\) must be a decimal string, got 5/],
    ['fractional id', withData({ t: 1.5 }), /t \(trade id\) must be a whole number, got 1.5/],
    ['symbol not the stream', withData({ s: 'ETHUSDT' }), /stream btcusdt@trade carries symbol "ETHUSDT"/],
    ['unknown stream', JSON.stringify({ ...good, stream: 'nonsense' }), /unknown stream "nonsense"/],
    ['unknown event type', '{"e":"depthUpdate","E":1}', /event type "depthUpdate" is not mapped/],
    ['anonymous object', '{"x":1}', /no event type/],
  ])('%s', (_name, raw, expected) => {
    expect(reason(raw)).toMatch(expected);
  });

  it('rejects a symbol that was not subscribed', () => {
    const options = { isKnownSymbol: (s: string) => s === 'ETHUSDT' };
    expect(reason(JSON.stringify(good), options)).toBe('unknown symbol "BTCUSDT": not subscribed');
  });

  it('strips unknown fields instead of failing (a new Binance field is not an outage)', () => {
    expectKind(mapBinanceFrame(withData({ X: 'new', b: 88, a: 50, M: true }), RECV), 'trade');
  });
});

describe('mapBinanceFrame on control frames', () => {
  it('reads replies, errors and the shutdown notice', () => {
    expect(mapBinanceFrame('{"result":null,"id":1}', RECV)).toEqual({ kind: 'reply', id: 1, result: null });
    expect(mapBinanceFrame('{"result":["btcusdt@trade"],"id":"x2"}', RECV)).toEqual({
      kind: 'reply',
      id: 'x2',
      result: ['btcusdt@trade'],
    });
    expect(
      mapBinanceFrame('{"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":7}', RECV),
    ).toEqual({
      kind: 'error',
      id: 7,
      code: 2,
      msg: 'Invalid request: too many parameters',
    });
    expect(
      mapBinanceFrame('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}}', RECV),
    ).toEqual({ kind: 'shutdown', ts: 1770123456789 });
    expect(mapBinanceFrame('{"e":"serverShutdown","E":1770123456789}', RECV).kind).toBe('shutdown');
  });
});
