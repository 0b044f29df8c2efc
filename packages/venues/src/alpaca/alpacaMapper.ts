import type { Quote, Trade } from '@tickline/core';
import type { z } from 'zod';
import type { TradeAmendment, VenueBar } from '../feed/feedEvents';
import {
  BarItemSchema,
  CancelErrorItemSchema,
  CorrectionItemSchema,
  ErrorItemSchema,
  QuoteItemSchema,
  SubscriptionItemSchema,
  SuccessItemSchema,
  TradeItemSchema,
  type AlpacaSubscriptions,
} from './alpacaMessages';
import { rfc3339ToEpochMs } from './alpacaTime';

/** What one item of an Alpaca frame is, once read. A frame (a JSON array) yields one per item. */
export type AlpacaMessage =
  | { kind: 'trade'; trade: Trade }
  | { kind: 'amendment'; amendment: TradeAmendment }
  | { kind: 'quote'; quote: Quote }
  | { kind: 'venueBar'; bar: VenueBar }
  | { kind: 'success'; msg: string }
  | { kind: 'error'; code: number; msg: string }
  | { kind: 'subscription'; subscriptions: AlpacaSubscriptions }
  /** `raw`: the offending item as JSON (or the whole frame when the frame itself is bad). */
  | { kind: 'reject'; reason: string; raw: string };

export interface AlpacaMapperOptions {
  /** Symbols we subscribed to; data for any other is rejected. Absent: accept any. */
  isKnownSymbol?: (symbol: string) => boolean;
}

/**
 * Item types that may arrive and that we deliberately map to nothing: updated and daily bars,
 * statuses, LULD bands, imbalances, order books and news.
 */
const IGNORED = new Set(['u', 'd', 's', 'l', 'i', 'o', 'n']);

/**
 * The pure Alpaca mapper: one text frame plus our receive time in, zero or more messages out.
 * No I/O, no clock.
 * - Trades keep Alpaca's trade id `i` (as a string), conditions `c` and tape `z`. Blank condition
 *   codes (`" "`, the regular-sale code of older data) are dropped: an empty list means a regular
 *   sale, and core labels cannot be blank. `side` is the
 *   crypto taker side `tks` when given, else `unknown` (stock feeds do not say).
 * - Times are RFC-3339 with up to nanoseconds, converted explicitly to epoch ms (truncated).
 * - Minute bars (`b`) become `venueBar` events: a cross-check source, not our bars.
 * - Corrections (`c`) and cancels / errors (`x`), which follow every trades subscription, become
 *   `amendment`s (see TradeAmendment for what they mean).
 */
export function mapAlpacaFrame(
  raw: string,
  recvTs: number,
  options: AlpacaMapperOptions = {},
): AlpacaMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return [{ kind: 'reject', reason: `invalid JSON: ${(error as Error).message}`, raw }];
  }
  if (!Array.isArray(value)) {
    return [{ kind: 'reject', reason: `expected a JSON array of messages, got ${describe(value)}`, raw }];
  }
  const out: AlpacaMessage[] = [];
  for (const item of value as unknown[]) {
    const message = mapItem(item, recvTs, options);
    if (message !== undefined) out.push(message);
  }
  return out;
}

function mapItem(item: unknown, recvTs: number, options: AlpacaMapperOptions): AlpacaMessage | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return reject(`expected a message object, got ${describe(item)}`, item);
  }
  const type = (item as { T?: unknown }).T;
  switch (type) {
    case 't':
      return data(TradeItemSchema, item, options, (m, ts) => ({
        kind: 'trade',
        trade: trade(m, ts, recvTs),
      }));
    case 'q':
      return data(QuoteItemSchema, item, options, (m, ts) => ({
        kind: 'quote',
        quote: {
          venue: 'alpaca',
          symbol: m.S,
          ts,
          recvTs,
          bidPrice: m.bp,
          bidSize: m.bs,
          askPrice: m.ap,
          askSize: m.as,
        },
      }));
    case 'b':
      return data(BarItemSchema, item, options, (m, start) => ({
        kind: 'venueBar',
        bar: {
          venue: 'alpaca',
          symbol: m.S,
          timeframe: '1m',
          start,
          recvTs,
          open: m.o,
          high: m.h,
          low: m.l,
          close: m.c,
          volume: m.v,
          ...(m.n === undefined ? {} : { trades: m.n }),
          ...(m.vw === undefined ? {} : { vwap: m.vw }),
        },
      }));
    case 'c':
      return data(CorrectionItemSchema, item, options, (m, ts) => ({
        kind: 'amendment',
        amendment: {
          ...amended(m, ts, recvTs, 'correction'),
          tradeId: String(m.oi),
          price: m.op,
          size: m.os,
          ...conditionsOf(m.oc),
          corrected: { id: String(m.ci), price: m.cp, size: m.cs, ...conditionsOf(m.cc) },
        },
      }));
    case 'x':
      return data(CancelErrorItemSchema, item, options, (m, ts) => ({
        kind: 'amendment',
        amendment: {
          ...amended(m, ts, recvTs, 'cancel'),
          tradeId: String(m.i),
          price: m.p,
          size: m.s,
          action: m.a,
        },
      }));
    case 'success':
      return control(SuccessItemSchema, item, (m) => ({ kind: 'success', msg: m.msg }));
    case 'error':
      return control(ErrorItemSchema, item, (m) => ({ kind: 'error', code: m.code, msg: m.msg }));
    case 'subscription':
      return control(SubscriptionItemSchema, item, (m) => {
        const { T: _type, ...subscriptions } = m;
        return { kind: 'subscription', subscriptions };
      });
    default:
      if (typeof type === 'string' && IGNORED.has(type)) return undefined;
      return reject(`unknown message type T=${JSON.stringify(type)}`, item);
  }
}

function trade(m: z.infer<typeof TradeItemSchema>, ts: number, recvTs: number): Trade {
  return {
    venue: 'alpaca',
    symbol: m.S,
    ts,
    recvTs,
    price: m.p,
    size: m.s,
    side: m.tks === 'B' ? 'buy' : m.tks === 'S' ? 'sell' : 'unknown',
    id: String(m.i),
    ...conditionsOf(m.c),
    ...tapeOf(m.z),
  };
}

/** Blank condition codes dropped (see the mapper's doc); absent stays absent. */
function conditionsOf(codes: string[] | undefined): { conditions?: string[] } {
  return codes === undefined ? {} : { conditions: codes.map((c) => c.trim()).filter((c) => c !== '') };
}

function tapeOf(tape: string | undefined): { tape?: string } {
  return tape === undefined || tape.trim() === '' ? {} : { tape: tape.trim() };
}

/** The fields every amendment has. */
function amended(
  m: { S: string; x?: string | undefined; z?: string | undefined },
  ts: number,
  recvTs: number,
  kind: TradeAmendment['kind'],
): Pick<TradeAmendment, 'venue' | 'symbol' | 'kind' | 'ts' | 'recvTs' | 'exchange' | 'tape'> {
  return {
    venue: 'alpaca',
    symbol: m.S,
    kind,
    ts,
    recvTs,
    ...(m.x === undefined || m.x === '' ? {} : { exchange: m.x }),
    ...tapeOf(m.z),
  };
}

function data<S extends z.ZodType<{ S: string; t: string }>>(
  schema: S,
  item: object,
  options: AlpacaMapperOptions,
  build: (message: z.infer<S>, ts: number) => AlpacaMessage,
): AlpacaMessage {
  const parsed = schema.safeParse(item);
  if (!parsed.success) return reject(issues(parsed.error), item);
  const message = parsed.data;
  const ts = rfc3339ToEpochMs(message.t);
  if (ts === undefined) return reject(`t (timestamp) is not RFC-3339: ${JSON.stringify(message.t)}`, item);
  if (options.isKnownSymbol && !options.isKnownSymbol(message.S)) {
    return reject(`unknown symbol ${message.S}: not subscribed`, item);
  }
  return build(message, ts);
}

function control<S extends z.ZodType>(
  schema: S,
  item: object,
  build: (message: z.infer<S>) => AlpacaMessage,
): AlpacaMessage {
  const parsed = schema.safeParse(item);
  return parsed.success ? build(parsed.data) : reject(issues(parsed.error), item);
}

function issues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.join('.');
      return field === '' || i.message.startsWith(field) ? i.message : `${field}: ${i.message}`;
    })
    .join('; ');
}

function reject(reason: string, item: unknown): AlpacaMessage {
  return { kind: 'reject', reason, raw: JSON.stringify(item) ?? String(item) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
