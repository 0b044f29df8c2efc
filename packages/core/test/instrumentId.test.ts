import fc from 'fast-check';
import { CoreError, InstrumentSchema, VENUES, instrumentId, parseInstrumentId } from '@tickline/core';

describe('instrumentId', () => {
  it('formats venue:SYMBOL', () => {
    expect(instrumentId({ venue: 'binance', symbol: 'BTCUSDT' })).toBe('binance:BTCUSDT');
    expect(instrumentId({ venue: 'alpaca', symbol: 'BTC/USD' })).toBe('alpaca:BTC/USD');
  });

  it('round-trips through parseInstrumentId', () => {
    const venue = fc.constantFrom(...VENUES);
    // '.' and '..' parts are refused (a symbol names a cache directory).
    const symbol = fc
      .stringMatching(/^[A-Z0-9.^=/-]{1,20}$/)
      .filter((s) => s.split('/').every((part) => part !== '.' && part !== '..'));
    fc.assert(
      fc.property(venue, symbol, (v, s) => {
        expect(parseInstrumentId(instrumentId({ venue: v, symbol: s }))).toEqual({ venue: v, symbol: s });
      }),
    );
  });

  it.each([
    ['BTCUSDT', 'expected "venue:SYMBOL"'],
    ['kraken:BTCUSDT', 'venue must be one of binance, alpaca, yahoo, alphavantage, fmp'],
    ['binance:', 'symbol must not be empty'],
    ['binance:btcusdt', 'symbol must be upper case'],
    ['alpaca:BRK B', 'without spaces'],
    ['binance:A:B', "or ':'"],
  ])('parseInstrumentId(%j) fails naming the input: %s', (id, why) => {
    expect(() => parseInstrumentId(id)).toThrow(CoreError);
    expect(() => parseInstrumentId(id)).toThrow(`invalid instrument id ${JSON.stringify(id)}`);
    expect(() => parseInstrumentId(id)).toThrow(why);
  });
});

describe('InstrumentSchema', () => {
  it('accepts an instrument and rejects an unknown asset class', () => {
    expect(InstrumentSchema.parse({ venue: 'alpaca', symbol: 'AAPL', assetClass: 'equity' })).toBeDefined();
    const result = InstrumentSchema.safeParse({ venue: 'alpaca', symbol: 'AAPL', assetClass: 'bond' });
    expect(result.error?.issues[0]?.path).toEqual(['assetClass']);
    expect(result.error?.issues[0]?.message).toContain('got "bond"');
  });
});
