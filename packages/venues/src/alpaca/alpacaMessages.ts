// Alpaca market-data stream messages (docs.alpaca.markets/docs/real-time-stock-pricing-data and
// /real-time-crypto-pricing-data; ../shared/protocols/venues.md §3). Lenient: unknown fields are
// stripped, so a new Alpaca field is not an outage. Every server frame is a JSON array of these.
import { z } from 'zod';

const positive = (name: string) =>
  z.number({ error: `${name} must be a number` }).refine((v) => Number.isFinite(v) && v > 0, {
    error: (issue) => `${name} must be greater than 0, got ${String(issue.input)}`,
  });
const text = (name: string) => z.string({ error: `${name} must be a string` }).min(1, `${name} is empty`);
const time = text('t (timestamp)');

const tradeId = (name: string) =>
  z.union([z.number().int().nonnegative(), z.string().min(1)], { error: `${name} must be a whole number` });

/** Stock trade `{"T":"t","S":"AAPL","i":96921,"x":"D","p":126.55,"s":1,"t":"...","c":["@","I"],"z":"C"}`; crypto adds `tks`. */
export const TradeItemSchema = z.object({
  T: z.literal('t'),
  S: text('S (symbol)'),
  i: tradeId('i (trade id)'),
  x: z.string().optional(),
  p: positive('p (price)'),
  s: positive('s (size)'),
  t: time,
  c: z.array(z.string()).optional(),
  z: z.string().optional(),
  tks: z.enum(['B', 'S']).optional(),
});

/**
 * Trade correction (follows a trades subscription): the trade `oi` (price `op`, size `os`, conditions
 * `oc`) is replaced by `ci` / `cp` / `cs` / `cc`. Not in Alpaca's schema tables; the shape is the
 * SDKs' (`TradeCorrection` in alpaca-trade-api-go) and what the stream sends, e.g.
 * `{"T":"c","S":"IWM","x":"D","oi":79372207866957,"op":208.65,"os":14950,"oc":[" ","7","V"],"ci":79372223926359,"cp":208.65,"cs":14950,"cc":[" ","7","Z","V"],"z":"B","t":"2022-01-20T17:26:08.000760661Z"}`.
 */
export const CorrectionItemSchema = z.object({
  T: z.literal('c'),
  S: text('S (symbol)'),
  x: z.string().optional(),
  oi: tradeId('oi (original trade id)'),
  op: positive('op (original price)'),
  os: positive('os (original size)'),
  oc: z.array(z.string()).optional(),
  ci: tradeId('ci (corrected trade id)'),
  cp: positive('cp (corrected price)'),
  cs: positive('cs (corrected size)'),
  cc: z.array(z.string()).optional(),
  t: time,
  z: z.string().optional(),
});

/** Trade cancel or error (follows a trades subscription): trade `i` is void; `a` is `C` (cancel) or `E` (error). */
export const CancelErrorItemSchema = z.object({
  T: z.literal('x'),
  S: text('S (symbol)'),
  i: tradeId('i (trade id)'),
  x: z.string().optional(),
  p: positive('p (price)'),
  s: positive('s (size)'),
  a: text('a (action)'),
  t: time,
  z: z.string().optional(),
});

/** Quote `{"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"...","c":["R"],"z":"C"}`. */
export const QuoteItemSchema = z.object({
  T: z.literal('q'),
  S: text('S (symbol)'),
  bp: positive('bp (bid price)'),
  bs: positive('bs (bid size)'),
  ap: positive('ap (ask price)'),
  as: positive('as (ask size)'),
  t: time,
  bx: z.string().optional(),
  ax: z.string().optional(),
  c: z.array(z.string()).optional(),
  z: z.string().optional(),
});

/** Minute bar `{"T":"b","S":"SPY","o":..,"h":..,"l":..,"c":..,"v":49378,"t":"2021-02-22T19:15:00Z","n":16,"vw":..}`. */
export const BarItemSchema = z.object({
  T: z.literal('b'),
  S: text('S (symbol)'),
  o: positive('o (open)'),
  h: positive('h (high)'),
  l: positive('l (low)'),
  c: positive('c (close)'),
  v: z.number().nonnegative('v (volume) must be >= 0'),
  t: time,
  n: z.number().int().nonnegative().optional(),
  vw: z.number().positive().optional(),
});

export const SuccessItemSchema = z.object({ T: z.literal('success'), msg: z.string() });
export const ErrorItemSchema = z.object({ T: z.literal('error'), code: z.number().int(), msg: z.string() });

/** The channels a stock subscription reply lists, in Alpaca's order (the reply is the full current set). */
export const STOCK_REPLY_CHANNELS = [
  'trades',
  'quotes',
  'bars',
  'updatedBars',
  'dailyBars',
  'statuses',
  'lulds',
  'corrections',
  'cancelErrors',
] as const;
/** The channels a crypto subscription reply lists. */
export const CRYPTO_REPLY_CHANNELS = [
  'trades',
  'quotes',
  'orderbooks',
  'bars',
  'updatedBars',
  'dailyBars',
] as const;
/** Every channel a subscription may name. */
export const STOCK_CHANNELS = [...STOCK_REPLY_CHANNELS, 'imbalances', 'orderbooks'] as const;
export type AlpacaChannel = (typeof STOCK_CHANNELS)[number];
export type AlpacaSubscriptions = Partial<Record<AlpacaChannel, string[]>>;

export const SubscriptionItemSchema = z.object({
  T: z.literal('subscription'),
  ...Object.fromEntries(STOCK_CHANNELS.map((c) => [c, z.array(z.string()).optional()])),
}) as z.ZodType<{ T: 'subscription' } & AlpacaSubscriptions>;

export type TradeItem = z.infer<typeof TradeItemSchema>;
export type QuoteItem = z.infer<typeof QuoteItemSchema>;
export type BarItem = z.infer<typeof BarItemSchema>;
