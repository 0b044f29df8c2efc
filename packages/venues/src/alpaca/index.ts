// Alpaca market data: messages, pure mapper, live feed, mock server.
export { AlpacaFeed, type AlpacaFeedStats } from './alpacaFeed';
export {
  ALPACA_FEED_PATHS,
  ALPACA_WS_ORIGIN,
  isAlpacaSymbol,
  resolveAlpacaFeedOptions,
  type AlpacaFeedName,
  type AlpacaFeedOptions,
} from './alpacaFeedOptions';
export { ALPACA_ERRORS, alpacaErrorFrame, alpacaErrorPolicy, type AlpacaErrorPolicy } from './alpacaErrors';
export { mapAlpacaFrame, type AlpacaMapperOptions, type AlpacaMessage } from './alpacaMapper';
export {
  BarItemSchema,
  QuoteItemSchema,
  TradeItemSchema,
  type AlpacaChannel,
  type AlpacaSubscriptions,
} from './alpacaMessages';
export { rfc3339ToEpochMs } from './alpacaTime';
export {
  alpacaFrame,
  alpacaFrameTime,
  quoteItem,
  tradeItem,
  type AlpacaQuoteSpec,
  type AlpacaTradeSpec,
} from './alpacaFrames';
export { readAlpacaRecording } from './alpacaRecording';
export { alpacaRawStream, type AlpacaRawStreamOptions } from './alpacaRawStream';
export {
  AlpacaMockServer,
  type AlpacaMockConnection,
  type AlpacaMockFaults,
  type AlpacaMockOptions,
} from './mockServer';
