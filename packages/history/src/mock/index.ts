export {
  MockRestServer,
  FixedWindowCounter,
  SlidingWindowCounter,
  type MockReply,
  type MockStats,
} from './mockRestServer';
export { syntheticBar, syntheticStarts, type SyntheticBar, type MarketHours } from './syntheticBars';
export {
  BinanceRestMock,
  klineRow,
  type BinanceRestMockOptions,
  type BinanceLimitStats,
} from './binanceRestMock';
export { AlpacaRestMock, type AlpacaRestMockOptions } from './alpacaRestMock';
export { YahooRestMock, YAHOO_MOCK_DIVIDEND_FACTOR, type YahooRestMockOptions } from './yahooRestMock';
export {
  AlphaVantageRestMock,
  ALPHAVANTAGE_NOTES,
  type AlphaVantageRestMockOptions,
} from './alphaVantageRestMock';
