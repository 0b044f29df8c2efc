import { parseStreamName } from './binanceSymbols';

// Building and taking apart Binance frames as text, byte-for-byte as Binance sends them (key order
// and number formats of the recorded captures), for the mock server and tests.

/** `{"stream":"btcusdt@trade","data":<payload>}` with the payload text inserted unchanged. */
export function envelope(stream: string, payload: string): string {
  return `{"stream":"${stream}","data":${payload}}`;
}

export interface SplitFrame {
  stream: string;
  payload: string;
}

const ENVELOPE_HEAD = '{"stream":"';

/**
 * A frame's stream and payload text. Combined envelopes are cut apart without re-serializing (so
 * replay is byte-exact); a raw payload's stream is derived from its symbol and event type.
 */
export function splitFrame(text: string): SplitFrame | undefined {
  if (text.startsWith(ENVELOPE_HEAD)) {
    const end = text.indexOf('","data":', ENVELOPE_HEAD.length);
    if (end > 0 && text.endsWith('}')) {
      return { stream: text.slice(ENVELOPE_HEAD.length, end), payload: text.slice(end + 9, -1) };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.stream === 'string' && 'data' in v)
    return { stream: v.stream, payload: JSON.stringify(v.data) };
  if (typeof v.s !== 'string') return undefined;
  const channel = typeof v.e === 'string' ? v.e : 'u' in v ? 'bookTicker' : undefined;
  return channel === undefined ? undefined : { stream: `${v.s.toLowerCase()}@${channel}`, payload: text };
}

/** Binance's event time of a frame (`E`, else `T`), for timing raw-frame recordings. */
export function binanceFrameTime(frame: unknown): number | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  const f = frame as Record<string, unknown>;
  const data = (typeof f.data === 'object' && f.data !== null ? f.data : f) as Record<string, unknown>;
  const t = data.E ?? data.T;
  return typeof t === 'number' ? t : undefined;
}

export interface TradeSpec {
  symbol: string;
  id: number;
  price: string;
  qty: string;
  /** Trade time; event time is one ms later, as usual in captures. */
  time: number;
  buyerIsMaker?: boolean;
}

/** A `trade` payload in Binance's field order. */
export function tradePayload(t: TradeSpec): string {
  return `{"e":"trade","E":${t.time + 1},"s":"${t.symbol}","t":${t.id},"p":"${t.price}","q":"${t.qty}","T":${t.time},"m":${t.buyerIsMaker ?? false},"M":true}`;
}

/** A spot `bookTicker` payload (no event time). */
export function bookTickerPayload(q: {
  symbol: string;
  u: number;
  b: string;
  B: string;
  a: string;
  A: string;
}): string {
  return `{"u":${q.u},"s":"${q.symbol}","b":"${q.b}","B":"${q.B}","a":"${q.a}","A":"${q.A}"}`;
}

/** The trade id of a trade or aggTrade payload, read cheaply; undefined for anything else. */
export function tradeIdOf(stream: string, payload: string): number | undefined {
  const channel = parseStreamName(stream)?.channel;
  const key = channel === 'trade' ? '"t":' : channel === 'aggTrade' ? '"a":' : undefined;
  if (key === undefined) return undefined;
  const at = payload.indexOf(key);
  return at < 0 ? undefined : Number.parseInt(payload.slice(at + key.length), 10);
}

export const MALFORMED_KINDS = [
  'truncated',
  'missingField',
  'negativePrice',
  'zeroSize',
  'nanPrice',
  'unknownSymbol',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/**
 * A broken variant of a real frame, as the fault injector sends it. `stream` may change (unknown
 * symbol). Each kind must be rejected by the mapper with a reason, never mapped.
 */
export function malformedFrame(frame: SplitFrame, kind: MalformedKind): SplitFrame {
  if (kind === 'truncated')
    return { stream: frame.stream, payload: frame.payload.slice(0, frame.payload.length >> 1) };
  const data = JSON.parse(frame.payload) as Record<string, unknown>;
  const priceKey = 'p' in data ? 'p' : 'b';
  const sizeKey = 'q' in data ? 'q' : 'B';
  switch (kind) {
    case 'missingField':
      delete data[priceKey];
      break;
    case 'negativePrice':
      data[priceKey] = `-${String(data[priceKey])}`;
      break;
    case 'zeroSize':
      data[sizeKey] = '0.00000000';
      break;
    case 'nanPrice':
      data[priceKey] = 'NaN';
      break;
    case 'unknownSymbol': {
      data.s = 'ZZZNOTLISTED';
      const channel = parseStreamName(frame.stream)?.channel ?? 'trade';
      return { stream: `zzznotlisted@${channel}`, payload: JSON.stringify(data) };
    }
  }
  return { stream: frame.stream, payload: JSON.stringify(data) };
}
