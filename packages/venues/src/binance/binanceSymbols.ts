/** The market streams Tickline maps. */
export type BinanceChannel = 'trade' | 'aggTrade' | 'bookTicker';

export const BINANCE_CHANNELS: readonly BinanceChannel[] = ['trade', 'aggTrade', 'bookTicker'];

/** Upper-case letters and digits (BTCUSDT, 1INCHUSDT); futures add `_` (BTCUSD_PERP, ETHUSD_210924). */
const SYMBOL = /^[A-Z0-9_]{2,30}$/;

export function isBinanceSymbol(symbol: string): boolean {
  return SYMBOL.test(symbol);
}

/** `BTCUSDT` + `trade` → `btcusdt@trade`: stream names are lower case. */
export function streamName(symbol: string, channel: BinanceChannel): string {
  return `${symbol.toLowerCase()}@${channel}`;
}

export interface ParsedStream {
  /** Canonical upper-case symbol. */
  readonly symbol: string;
  /** Everything after the first `@`, e.g. `trade`, `depth@100ms`, `kline_1m`. */
  readonly channel: string;
}

/** Parsed names of streams seen, so the per-frame cost is one lookup; bounded against junk names. */
const parsedNames = new Map<string, ParsedStream>();
const MAX_CACHED_NAMES = 10_000;

/** `btcusdt@depth@100ms` → { symbol: 'BTCUSDT', channel: 'depth@100ms' }; undefined when not `<symbol>@<channel>`. */
export function parseStreamName(stream: string): ParsedStream | undefined {
  const cached = parsedNames.get(stream);
  if (cached !== undefined) return cached;
  const parsed = parseName(stream);
  if (parsed !== undefined && parsedNames.size < MAX_CACHED_NAMES)
    parsedNames.set(stream, Object.freeze(parsed));
  return parsed;
}

function parseName(stream: string): ParsedStream | undefined {
  const at = stream.indexOf('@');
  if (at <= 0 || at === stream.length - 1) return undefined;
  const symbol = stream.slice(0, at).toUpperCase();
  return isBinanceSymbol(symbol) ? { symbol, channel: stream.slice(at + 1) } : undefined;
}

export function isMappedChannel(channel: string): channel is BinanceChannel {
  return (BINANCE_CHANNELS as readonly string[]).includes(channel);
}
