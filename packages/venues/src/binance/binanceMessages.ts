import { describeInput, epochMs, positiveNumber } from '@tickline/core';
import { z } from 'zod';

// Binance's own payloads, as documented in binance-spot-api-docs `web-socket-streams.md`. Lenient:
// `z.object` strips fields we do not know, so a field Binance adds tomorrow is not an outage.
// Strict on what we use: prices and quantities arrive as decimal strings and must be > 0.

// A sign is allowed so that "-1" is reported as "must be greater than 0", the real problem.
const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** A decimal string such as "61837.63000000", converted to a number that must be > 0. */
function decimal(field: string) {
  return z
    .string({ error: (issue) => `${field} must be a decimal string, got ${describeInput(issue.input)}` })
    .regex(DECIMAL, {
      error: (issue) => `${field} must be a decimal string, got ${describeInput(issue.input)}`,
    })
    .transform(Number)
    .pipe(positiveNumber(field));
}

/** Ids are int64 at Binance; we need them exact, so they must fit a double's integer range. */
function sequenceId(field: string) {
  return z
    .number({ error: (issue) => `${field} must be a number, got ${describeInput(issue.input)}` })
    .int({ error: (issue) => `${field} must be a whole number, got ${describeInput(issue.input)}` })
    .nonnegative({ error: (issue) => `${field} must be 0 or more, got ${describeInput(issue.input)}` })
    .max(Number.MAX_SAFE_INTEGER, { error: `${field} is beyond 2^53 and would lose precision` });
}

const symbol = z.string({
  error: (issue) => `s (symbol) must be a string, got ${describeInput(issue.input)}`,
});
const buyerIsMaker = z.boolean({
  error: (issue) => `m must be true or false, got ${describeInput(issue.input)}`,
});

/** Fields `trade` and `aggTrade` share. */
const tradeFields = {
  E: epochMs('E (event time)'),
  s: symbol,
  p: decimal('p (price)'),
  q: decimal('q (quantity)'),
  T: epochMs('T (trade time)'),
  m: buyerIsMaker,
};

/** `<symbol>@trade`. `b`/`a` (order ids) were removed by Binance in 2023 and are not needed. */
export const TradePayloadSchema = z.object({
  e: z.literal('trade'),
  t: sequenceId('t (trade id)'),
  ...tradeFields,
});
export type TradePayload = z.infer<typeof TradePayloadSchema>;

/** `<symbol>@aggTrade`: one taker order's fills at one price, trade ids f..l. */
export const AggTradePayloadSchema = z.object({
  e: z.literal('aggTrade'),
  a: sequenceId('a (aggregate trade id)'),
  f: sequenceId('f (first trade id)'),
  l: sequenceId('l (last trade id)'),
  ...tradeFields,
});
export type AggTradePayload = z.infer<typeof AggTradePayloadSchema>;

/** `<symbol>@bookTicker`. Spot sends no event time (futures add `E` and `T`, used when present). */
export const BookTickerPayloadSchema = z.object({
  u: sequenceId('u (order book update id)'),
  s: symbol,
  b: decimal('b (best bid price)'),
  B: decimal('B (best bid quantity)'),
  a: decimal('a (best ask price)'),
  A: decimal('A (best ask quantity)'),
  E: epochMs('E (event time)').optional(),
  T: epochMs('T (transaction time)').optional(),
});
export type BookTickerPayload = z.infer<typeof BookTickerPayloadSchema>;

/** `{"stream":"btcusdt@trade","data":{...}}` on `/stream` connections. */
export const CombinedEnvelopeSchema = z.object({ stream: z.string(), data: z.unknown() });

/** Request ids: int64, an alphanumeric string of up to 36 characters, or null. */
export const RequestIdSchema = z.union([z.number(), z.string(), z.null()]);
export type RequestId = z.infer<typeof RequestIdSchema>;

/** `{"result":null,"id":1}`; `result` is a list for LIST_SUBSCRIPTIONS. */
export const ControlReplySchema = z.object({ result: z.unknown(), id: RequestIdSchema });

/** `{"error":{"code":2,"msg":"Invalid request: ..."},"id":1}` (id null or absent when unparseable). */
export const ErrorReplySchema = z.object({
  error: z.object({ code: z.number(), msg: z.string() }),
  id: RequestIdSchema.optional(),
});

/** Sent before a planned server shutdown: reconnect now. */
export const ServerShutdownSchema = z.object({ e: z.literal('serverShutdown'), E: z.number() });
