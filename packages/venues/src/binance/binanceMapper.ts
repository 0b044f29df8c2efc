import type { Quote, Trade } from '@tickline/core';
import type { z } from 'zod';
import { fastTrade } from './binanceFastPath';
import {
  AggTradePayloadSchema,
  BookTickerPayloadSchema,
  ControlReplySchema,
  ErrorReplySchema,
  ServerShutdownSchema,
  TradePayloadSchema,
  type RequestId,
} from './binanceMessages';
import { isMappedChannel, parseStreamName, type BinanceChannel } from './binanceSymbols';

/** What one Binance text frame is, once read. */
export type BinanceMessage =
  /** `seq`: the numeric trade id (aggregate id for aggTrade), consecutive per symbol. */
  | { kind: 'trade'; trade: Trade; channel: 'trade' | 'aggTrade'; seq: number }
  /** `seq`: the order book update id, increasing per symbol. */
  | { kind: 'quote'; quote: Quote; seq: number }
  | { kind: 'reply'; id: RequestId; result: unknown }
  | { kind: 'error'; id: RequestId; code: number; msg: string }
  | { kind: 'shutdown'; ts: number }
  | { kind: 'reject'; reason: string };

export interface BinanceMapperOptions {
  /** Symbols we subscribed to; a data frame for any other is rejected. Absent: accept any. */
  isKnownSymbol?: (symbol: string) => boolean;
}

/**
 * The pure Binance mapper: one raw text frame plus our receive time in, one message out. No I/O, no
 * clock. Accepts combined-stream envelopes (`/stream`) and raw payloads (`/ws`).
 *
 * - Trade `ts` is the venue's trade time `T` (what bars are built on), `recvTs` ours.
 * - `m` = buyer is maker, so `m: true` means the taker sold: side `sell`.
 * - aggTrade ids are prefixed `a` (`a3821253461`): they are another id space than trade ids, and a
 *   shared `id` would make de-duplication drop real trades.
 * - Spot bookTicker has no event time: the quote's `ts` is our receive time (futures' `T`/`E` win
 *   when present).
 */
export function mapBinanceFrame(
  raw: string,
  recvTs: number,
  options: BinanceMapperOptions = {},
): BinanceMessage {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return reject(`invalid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject(`expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  if ('stream' in value) return mapEnvelope(value, recvTs, options);
  return mapRaw(value as Record<string, unknown>, recvTs, options);
}

function mapEnvelope(
  value: { stream?: unknown; data?: unknown },
  recvTs: number,
  options: BinanceMapperOptions,
) {
  const { stream, data } = value;
  if (typeof stream !== 'string') return reject('combined envelope: stream must be a string');
  if (data === undefined) return reject('combined envelope: missing field data');
  if (stream === '!serverShutdown') return mapShutdown(data);
  const parsed = parseStreamName(stream);
  if (parsed === undefined) return reject(`unknown stream ${JSON.stringify(stream)}`);
  if (!isMappedChannel(parsed.channel))
    return reject(`stream ${JSON.stringify(stream)} is not a mapped channel`);
  const message = mapPayload(parsed.channel, data, recvTs, options);
  if (message.kind === 'trade' || message.kind === 'quote') {
    const symbol = message.kind === 'trade' ? message.trade.symbol : message.quote.symbol;
    if (symbol !== parsed.symbol) return reject(`stream ${stream} carries symbol ${JSON.stringify(symbol)}`);
  }
  return message;
}

function mapRaw(
  value: Record<string, unknown>,
  recvTs: number,
  options: BinanceMapperOptions,
): BinanceMessage {
  if ('error' in value) {
    const error = ErrorReplySchema.safeParse(value);
    if (!error.success) return reject(`error reply: ${describeIssues(error.error)}`);
    return {
      kind: 'error',
      id: error.data.id ?? null,
      code: error.data.error.code,
      msg: error.data.error.msg,
    };
  }
  if ('result' in value) {
    const reply = ControlReplySchema.safeParse(value);
    return reply.success ? { kind: 'reply', ...reply.data } : reject(`reply: ${describeIssues(reply.error)}`);
  }
  switch (value.e) {
    case 'trade':
    case 'aggTrade':
      return mapPayload(value.e, value, recvTs, options);
    case 'serverShutdown':
      return mapShutdown(value);
    case undefined:
      if ('u' in value && 'b' in value && 'a' in value)
        return mapPayload('bookTicker', value, recvTs, options);
      return reject('no event type (e) and not a bookTicker, reply or error');
    default:
      return reject(`event type ${JSON.stringify(value.e)} is not mapped`);
  }
}

function mapPayload(
  channel: BinanceChannel,
  data: unknown,
  recvTs: number,
  options: BinanceMapperOptions,
): BinanceMessage {
  const message = channel === 'bookTicker' ? mapBookTicker(data, recvTs) : mapTrade(channel, data, recvTs);
  if (message.kind === 'reject') return message;
  const symbol =
    message.kind === 'trade' ? message.trade.symbol : message.kind === 'quote' ? message.quote.symbol : '';
  if (options.isKnownSymbol && !options.isKnownSymbol(symbol)) {
    return reject(`unknown symbol ${JSON.stringify(symbol)}: not subscribed`);
  }
  return message;
}

function mapTrade(channel: 'trade' | 'aggTrade', data: unknown, recvTs: number): BinanceMessage {
  if (channel === 'trade') {
    const fast = fastTrade(data, recvTs);
    if (fast) return { kind: 'trade', channel, ...fast };
    const parsed = TradePayloadSchema.safeParse(data);
    if (!parsed.success) return reject(`trade: ${describeIssues(parsed.error)}`);
    const d = parsed.data;
    return { kind: 'trade', channel, seq: d.t, trade: toTrade(d.s, d.T, recvTs, d.p, d.q, d.m, String(d.t)) };
  }
  const parsed = AggTradePayloadSchema.safeParse(data);
  if (!parsed.success) return reject(`aggTrade: ${describeIssues(parsed.error)}`);
  const d = parsed.data;
  return { kind: 'trade', channel, seq: d.a, trade: toTrade(d.s, d.T, recvTs, d.p, d.q, d.m, `a${d.a}`) };
}

function toTrade(
  symbol: string,
  ts: number,
  recvTs: number,
  price: number,
  size: number,
  buyerIsMaker: boolean,
  id: string,
): Trade {
  return { venue: 'binance', symbol, ts, recvTs, price, size, side: buyerIsMaker ? 'sell' : 'buy', id };
}

function mapBookTicker(data: unknown, recvTs: number): BinanceMessage {
  const parsed = BookTickerPayloadSchema.safeParse(data);
  if (!parsed.success) return reject(`bookTicker: ${describeIssues(parsed.error)}`);
  const d = parsed.data;
  const quote: Quote = {
    venue: 'binance',
    symbol: d.s,
    ts: d.T ?? d.E ?? recvTs,
    recvTs,
    bidPrice: d.b,
    bidSize: d.B,
    askPrice: d.a,
    askSize: d.A,
  };
  return { kind: 'quote', quote, seq: d.u };
}

function mapShutdown(data: unknown): BinanceMessage {
  const parsed = ServerShutdownSchema.safeParse(data);
  return parsed.success
    ? { kind: 'shutdown', ts: parsed.data.E }
    : reject('serverShutdown without event time');
}

function reject(reason: string): BinanceMessage {
  return { kind: 'reject', reason };
}

/** `p (price) must be greater than 0, got -1`; several issues joined; the path added when the message lacks it. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      return path === '' || issue.message.startsWith(`${path} `)
        ? issue.message
        : `${path}: ${issue.message}`;
    })
    .join('; ');
}
