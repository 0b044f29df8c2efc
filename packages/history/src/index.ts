// @tickline/history: bar history from REST providers behind one BarHistory interface, provider
// selection with failover, and mock REST servers reproducing each provider's limits and failures.

export * from './barHistory';
export { barSource, effectiveAdjustment } from './barSource';
export { toBars, usesSessionDays, type BarContext, type ProviderBar } from './historyBars';
export type { HistoryProviderOptions } from './fetchJson';
export { BinanceHistory, KLINES_LIMIT, KLINES_WEIGHT, binanceSymbol } from './binance/binanceHistory';
export { BinanceKlinesSchema, mapBinanceKlines, type BinanceKline } from './binance/binanceKlines';
export {
  AlpacaHistory,
  ALPACA_PAGE_LIMIT,
  alpacaCryptoSymbol,
  type AlpacaHistoryOptions,
} from './alpaca/alpacaHistory';
export { AlpacaBarsPageSchema, mapAlpacaBars, type AlpacaBarsPage } from './alpaca/alpacaBars';
export { YahooHistory, yahooSymbol } from './yahoo/yahooHistory';
export { YahooChartSchema, mapYahooChart, type YahooChart } from './yahoo/yahooChart';
export { AlphaVantageHistory, type AlphaVantageHistoryOptions } from './alphavantage/alphaVantageHistory';
export {
  AlphaVantageSeriesSchema,
  alphaVantageTime,
  mapAlphaVantageSeries,
} from './alphavantage/alphaVantageSeries';
export { checkAlphaVantageBody, rateLimitWait } from './alphavantage/alphaVantageNotes';
export * from './mock';
export { matchRule, type ProviderRule } from './selection/providerRules';
export {
  HistoryRouter,
  type HistoryRouterOptions,
  type ProviderAttempt,
  type RangeRequest,
  type RangeResult,
  type RoutePlan,
  type RoutedProvider,
} from './selection/historyRouter';
export {
  createHistory,
  type HistoryDependencies,
  type HistoryProvider,
  type HistorySettings,
} from './selection/historyProviders';
