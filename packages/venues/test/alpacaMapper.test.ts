// The Alpaca mapper on real payload shapes: REST bodies from alpacahq/alpaca-trade-api-go
// (fixtures/alpaca/SOURCES.md) turned into stream frames by adding `T` and `S`, plus the documented
// stream examples (docs.alpaca.markets/docs/real-time-stock-pricing-data) and frames that must
// yield nothing or a reject.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TradeSchema, QuoteSchema } from '@tickline/core';
import { mapAlpacaFrame, type AlpacaMessage } from '../src/alpaca/alpacaMapper';
import { rfc3339ToEpochMs } from '../src/alpaca/alpacaTime';

const RECV = 1_700_000_000_000;
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures/alpaca', name), 'utf8')) as Record<
    string,
    Record<string, Array<Record<string, unknown>>>
  >;
/** REST items of one key as one batched stream frame. */
const streamFrame = (name: string, key: string, T: string) =>
  JSON.stringify(
    Object.entries(fixture(name)[key] ?? {}).flatMap(([S, items]) =>
      items.map((item) => ({ T, S, ...item })),
    ),
  );
const kinds = (messages: AlpacaMessage[]) => messages.map((m) => m.kind);

describe('rfc3339ToEpochMs', () => {
  it.each([
    ['2021-02-22T15:51:45.335689322Z', Date.UTC(2021, 1, 22, 15, 51, 45, 335)],
    ['2021-02-22T15:51:44.208Z', Date.UTC(2021, 1, 22, 15, 51, 44, 208)],
    ['2018-06-04T19:18:17.4392Z', Date.UTC(2018, 5, 4, 19, 18, 17, 439)],
    ['2021-02-22T19:15:00Z', Date.UTC(2021, 1, 22, 19, 15)],
    ['2021-02-22T10:15:00.9999999-05:00', Date.UTC(2021, 1, 22, 15, 15, 0, 999)],
  ])('%s', (text, ms) => expect(rfc3339ToEpochMs(text)).toBe(ms));

  it.each([
    '2021-02-30T00:00:00Z',
    '2021-02-22 15:51:45Z',
    '2021-02-22T15:51:45',
    'yesterday',
    '2021-02-22T15:51:45.1234567890Z',
  ])('rejects %s', (text) => expect(rfc3339ToEpochMs(text)).toBeUndefined());
});

describe('mapAlpacaFrame', () => {
  it('maps a batched frame of real trades, keeping conditions, tape and id', () => {
    const out = mapAlpacaFrame(streamFrame('stocks_trades_F_GE_2018-06-04_multi.json', 'trades', 't'), RECV);
    expect(kinds(out)).toEqual(['trade', 'trade', 'trade', 'trade']);
    const trades = out.map((m) => (m.kind === 'trade' ? m.trade : undefined));
    for (const t of trades) expect(TradeSchema.safeParse(t).success).toBe(true);
    expect(trades[3]).toEqual({
      venue: 'alpaca',
      symbol: 'GE',
      ts: Date.UTC(2018, 5, 4, 19, 18, 18, 620),
      recvTs: RECV,
      price: 13.7317,
      size: 100,
      side: 'unknown',
      id: '933066',
      conditions: ['4', 'B'], // the blank regular-sale code ' ' is dropped
      tape: 'A',
    });
  });

  it('maps crypto trades with the taker side', () => {
    const out = mapAlpacaFrame(streamFrame('crypto_trades_BTCUSD_2021-09-08_page.json', 'trades', 't'), RECV);
    expect(out[0]).toEqual({
      kind: 'trade',
      trade: {
        venue: 'alpaca',
        symbol: 'BTC/USD',
        ts: Date.UTC(2021, 8, 8, 5, 4, 3, 269),
        recvTs: RECV,
        price: 46386.98,
        size: 0.035083,
        side: 'sell',
        id: '20242430',
      },
    });
  });

  it('maps real quotes, nanosecond times truncated to the millisecond', () => {
    const out = mapAlpacaFrame(streamFrame('stocks_quotes_BA_2021-09-15.json', 'quotes', 'q'), RECV);
    expect(out.every((m) => m.kind === 'quote' && QuoteSchema.safeParse(m.quote).success)).toBe(true);
    expect(out[0]).toEqual({
      kind: 'quote',
      quote: {
        venue: 'alpaca',
        symbol: 'BA',
        ts: Date.UTC(2021, 8, 15, 17, 0, 0, 10),
        recvTs: RECV,
        bidPrice: 212.56,
        bidSize: 1,
        askPrice: 212.59,
        askSize: 1,
      },
    });
  });

  it("keeps the venue's bars as venueBar", () => {
    const out = mapAlpacaFrame(streamFrame('stocks_bars_AMZN_15Min_2021-10-15.json', 'bars', 'b'), RECV);
    expect(out[0]).toEqual({
      kind: 'venueBar',
      bar: {
        venue: 'alpaca',
        symbol: 'AMZN',
        timeframe: '1m',
        start: Date.UTC(2021, 9, 15, 16),
        recvTs: RECV,
        open: 3378.14,
        high: 3380.815,
        low: 3376.3001,
        close: 3379.72,
        volume: 211689,
        trades: 5435,
        vwap: 3379.041755,
      },
    });
  });

  it('maps the documented stream examples, a mixed batch in order', () => {
    const frame =
      '[{"T":"t","S":"AAPL","i":96921,"x":"D","p":126.55,"s":1,"t":"2021-02-22T15:51:44.208Z","c":["@","I"],"z":"C"},' +
      '{"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"2021-02-22T15:51:45.335689322Z","c":["R"],"z":"C"},' +
      '{"T":"b","S":"SPY","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"t":"2021-02-22T19:15:00Z"}]';
    expect(kinds(mapAlpacaFrame(frame, RECV))).toEqual(['trade', 'quote', 'venueBar']);
  });

  it('reads control messages', () => {
    expect(mapAlpacaFrame('[{"T":"success","msg":"connected"}]', RECV)).toEqual([
      { kind: 'success', msg: 'connected' },
    ]);
    expect(mapAlpacaFrame('[{"T":"error","code":406,"msg":"connection limit exceeded"}]', RECV)).toEqual([
      { kind: 'error', code: 406, msg: 'connection limit exceeded' },
    ]);
    expect(
      mapAlpacaFrame(
        '[{"T":"subscription","trades":["AAPL"],"quotes":["AMD","CLDR"],"bars":["*"],"corrections":["AAPL"]}]',
        RECV,
      ),
    ).toEqual([
      {
        kind: 'subscription',
        subscriptions: { trades: ['AAPL'], quotes: ['AMD', 'CLDR'], bars: ['*'], corrections: ['AAPL'] },
      },
    ]);
  });

  it('yields nothing for messages we do not map (statuses, updated bars...)', () => {
    const frame =
      '[{"T":"s","S":"AAPL","sc":"H","sm":"Trading Halt","rc":"T12","rm":"","t":"2021-02-22T15:51:44Z","z":"C"},' +
      '{"T":"u","S":"SPY","o":1,"h":1,"l":1,"c":1,"v":1,"t":"2021-02-22T19:15:00Z"}]';
    expect(mapAlpacaFrame(frame, RECV)).toEqual([]);
  });

  it('maps a correction (the shape the stream sends, per the Alpaca forum capture) to an amendment', () => {
    const frame =
      '[{"T":"c","S":"IWM","x":"D","oi":79372207866957,"op":208.65,"os":14950,"oc":[" ","7","V"],' +
      '"ci":79372223926359,"cp":208.65,"cs":14950,"cc":[" ","7","Z","V"],"z":"B","t":"2022-01-20T17:26:08.000760661Z"}]';
    expect(mapAlpacaFrame(frame, RECV)).toEqual([
      {
        kind: 'amendment',
        amendment: {
          venue: 'alpaca',
          symbol: 'IWM',
          kind: 'correction',
          tradeId: '79372207866957',
          ts: Date.UTC(2022, 0, 20, 17, 26, 8, 0),
          recvTs: RECV,
          price: 208.65,
          size: 14950,
          conditions: ['7', 'V'],
          exchange: 'D',
          tape: 'B',
          corrected: { id: '79372223926359', price: 208.65, size: 14950, conditions: ['7', 'Z', 'V'] },
        },
      },
    ]);
  });

  it('maps cancels and errors to cancel amendments keeping the action code', () => {
    const frame =
      '[{"T":"x","S":"AAPL","i":52983525033170,"x":"V","p":172.94,"s":100,"a":"C","t":"2024-03-12T13:30:01.5Z","z":"C"},' +
      '{"T":"x","S":"AAPL","i":52983525033171,"x":"V","p":172.95,"s":5,"a":"E","t":"2024-03-12T13:30:02Z","z":"C"}]';
    const out = mapAlpacaFrame(frame, RECV, { isKnownSymbol: (s) => s === 'AAPL' });
    expect(
      out.map((m) => m.kind === 'amendment' && [m.amendment.kind, m.amendment.tradeId, m.amendment.action]),
    ).toEqual([
      ['cancel', '52983525033170', 'C'],
      ['cancel', '52983525033171', 'E'],
    ]);
    expect(out[0]).toMatchObject({ amendment: { price: 172.94, size: 100, exchange: 'V', tape: 'C' } });
  });

  it.each([
    [
      'a correction without its corrected price',
      '[{"T":"c","S":"AAPL","oi":1,"op":1,"os":1,"ci":2,"cs":1,"t":"2021-02-22T15:51:44Z"}]',
      /cp \(corrected price\) must be a number/,
    ],
    [
      'a cancel with a negative size',
      '[{"T":"x","S":"AAPL","i":1,"p":1,"s":-5,"a":"C","t":"2021-02-22T15:51:44Z"}]',
      /s \(size\) must be greater than 0/,
    ],
    [
      'a cancel without an action',
      '[{"T":"x","S":"AAPL","i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"}]',
      /a \(action\) must be a string/,
    ],
    [
      'a cancel of an unknown symbol',
      '[{"T":"x","S":"ZZZZ","i":1,"p":1,"s":1,"a":"C","t":"2021-02-22T15:51:44Z"}]',
      /unknown symbol ZZZZ/,
    ],
  ])('rejects %s with a reason', (_what, frame, reason) => {
    const out = mapAlpacaFrame(frame, RECV, { isKnownSymbol: (s) => s === 'AAPL' });
    expect(out).toEqual([expect.objectContaining({ kind: 'reject', reason: expect.stringMatching(reason) })]);
  });

  it.each([
    ['truncated JSON', '[{"T":"t","S":"AAPL"', /invalid JSON/],
    ['an object instead of an array', '{"T":"success","msg":"connected"}', /expected a JSON array/],
    [
      'a missing price',
      '[{"T":"t","S":"AAPL","i":1,"s":1,"t":"2021-02-22T15:51:44.208Z"}]',
      /p \(price\) must be a number/,
    ],
    [
      'a negative price',
      '[{"T":"t","S":"AAPL","i":1,"p":-1,"s":1,"t":"2021-02-22T15:51:44.208Z"}]',
      /p \(price\) must be greater than 0, got -1/,
    ],
    [
      'a zero size',
      '[{"T":"q","S":"AAPL","bp":1,"bs":0,"ap":1,"as":1,"t":"2021-02-22T15:51:44.208Z"}]',
      /bs \(bid size\) must be greater than 0/,
    ],
    ['a bad timestamp', '[{"T":"t","S":"AAPL","i":1,"p":1,"s":1,"t":"yesterday"}]', /not RFC-3339/],
    ['an unknown type', '[{"T":"zz","S":"AAPL"}]', /unknown message type T="zz"/],
    ['a non-object item', '[42]', /expected a message object, got number/],
  ])('rejects %s with a reason', (_what, frame, reason) => {
    const out = mapAlpacaFrame(frame, RECV);
    expect(out).toHaveLength(1);
    expect(out[0]?.kind).toBe('reject');
    expect(out[0]?.kind === 'reject' && out[0].reason).toMatch(reason);
  });

  it('rejects data of a symbol we did not subscribe, and only that item of the batch', () => {
    const frame = streamFrame('stocks_trades_F_GE_2018-06-04_multi.json', 'trades', 't');
    const out = mapAlpacaFrame(frame, RECV, { isKnownSymbol: (s) => s === 'F' });
    expect(kinds(out)).toEqual(['trade', 'trade', 'reject', 'reject']);
    expect(out[2]?.kind === 'reject' && out[2].reason).toBe('unknown symbol GE: not subscribed');
    expect(out[2]?.kind === 'reject' && JSON.parse(out[2].raw)).toMatchObject({ S: 'GE', i: 933063 });
  });

  it('ignores unknown fields (lenient): the correction field "u" of REST trades', () => {
    const out = mapAlpacaFrame(
      streamFrame('stocks_trades_A_2022-10-21_with_update_field.json', 'trades', 't'),
      RECV,
    );
    expect(kinds(out)).toEqual(['trade', 'trade']);
    expect(out[0]?.kind === 'trade' && out[0].trade.id).toBe('71697353758036');
  });
});
