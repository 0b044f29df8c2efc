import { closeLine, rawConnection, type RawStream, type RawStreamHandlers } from '../recording/rawStream';
import { resolveBinanceFeedOptions } from './binanceFeedOptions';
import { streamName } from './binanceSymbols';

export interface BinanceRawStreamOptions {
  /** Origin, e.g. `wss://stream.binance.com:9443` or a mock's. */
  wsUrl: string;
  symbols: readonly string[];
  /** Also `<symbol>@bookTicker`. [true] */
  quotes?: boolean;
}

/** Binance's combined trade (and bookTicker) streams of some symbols, as raw frames (`tickline record`). */
export function binanceRawStream(options: BinanceRawStreamOptions, handlers: RawStreamHandlers): RawStream {
  const quotes = options.quotes ?? true;
  const resolved = resolveBinanceFeedOptions({ wsUrl: options.wsUrl, symbols: options.symbols, quotes });
  const streams = resolved.symbols.flatMap((s) => [
    streamName(s, 'trade'),
    ...(quotes ? [streamName(s, 'bookTicker')] : []),
  ]);
  const connection = rawConnection(
    'record#1',
    () => `${resolved.wsUrl}/stream?streams=${streams.join('/')}`,
    resolved,
    {
      open: (_at, url) => handlers.status(`recording ${url}`),
      message: (text, recvTs) => handlers.frame(text, recvTs),
      close: (info) => handlers.status(closeLine(info.reason, info.retryInMs)),
    },
  );
  return { start: () => connection.start(), stop: () => connection.stop() };
}
