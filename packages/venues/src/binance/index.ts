// Binance spot: messages, pure mapper, live feed, mock server.
export { BinanceFeed } from './binanceFeed';
export { BINANCE_WS_ORIGIN, resolveBinanceFeedOptions, type BinanceFeedOptions } from './binanceFeedOptions';
export { mapBinanceFrame, type BinanceMapperOptions, type BinanceMessage } from './binanceMapper';
export {
  AggTradePayloadSchema,
  BookTickerPayloadSchema,
  TradePayloadSchema,
  type AggTradePayload,
  type BookTickerPayload,
  type TradePayload,
} from './binanceMessages';
export { assignStreams, type ShardPlan } from './binanceShards';
export { isBinanceSymbol, parseStreamName, streamName, type BinanceChannel } from './binanceSymbols';
export {
  BinanceMockServer,
  parsePath,
  type BinanceMockOptions,
  type MockConnection,
  type ReplayOptions,
} from './mockServer';
export { handleControl } from './mockControl';
export type { MockFaults } from './mockFaults';
export {
  binanceFrameTime,
  bookTickerPayload,
  envelope,
  splitFrame,
  tradePayload,
  type TradeSpec,
} from './mockFrames';
export { readBinanceRecording } from './binanceRecording';
export { binanceRawStream, type BinanceRawStreamOptions } from './binanceRawStream';
