import { z } from 'zod';

// Backfill settings: which history provider serves which bars (ordered failover lists) and the rate
// limits shared by every worker. Mirrors @tickline/history's names; config stays self-contained.

export const HISTORY_PROVIDER_NAMES = ['binance', 'alpaca', 'yahoo', 'alphavantage'] as const;
const ASSET_CLASS_NAMES = ['crypto', 'equity', 'etf', 'index', 'fx', 'future', 'unknown'] as const;
// Mirrors @tickline/core's TIMEFRAMES (config stays self-contained).
const TIMEFRAME_NAMES = [
  '1s',
  '5s',
  '15s',
  '30s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '12h',
  '1d',
  '1w',
  '1M',
] as const;
const TimeframeSchema = z.enum(TIMEFRAME_NAMES, { error: `expected one of ${TIMEFRAME_NAMES.join(', ')}` });
const ADJUSTMENT_NAMES = ['raw', 'split', 'dividend', 'all'] as const;

const whole = (min: number, expected: string) =>
  z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });

const RuleSchema = z.strictObject({
  assetClasses: z
    .array(z.enum(ASSET_CLASS_NAMES, { error: `expected one of ${ASSET_CLASS_NAMES.join(', ')}` }))
    .min(1, { error: 'expected at least one asset class' })
    .describe('Asset classes (core symbol classification) the rule applies to.'),
  timeframes: z
    .enum(['intraday', 'daily', 'any'], { error: 'expected "intraday", "daily" or "any"' })
    .describe('`intraday` is shorter than 1d, `daily` is 1d and longer.'),
  providers: z
    .array(z.enum(HISTORY_PROVIDER_NAMES, { error: `expected one of ${HISTORY_PROVIDER_NAMES.join(', ')}` }))
    .min(1, { error: 'expected at least one provider' })
    .refine((list) => new Set(list).size === list.length, { error: 'expected each provider once' })
    .describe('Providers to try, in order: the next one gets the work when one is open or failing.'),
  adjustment: z
    .enum(ADJUSTMENT_NAMES, { error: `expected one of ${ADJUSTMENT_NAMES.join(', ')}` })
    .describe('Corporate-action adjustment of the prices (crypto is always raw).'),
});
export type BackfillRule = z.infer<typeof RuleSchema>;

const LimitSchema = z.strictObject({
  limit: whole(1, 'expected a positive integer'),
  windowMs: whole(1, 'expected a positive integer (ms)'),
  marginMs: whole(0, 'expected an integer >= 0 (ms)').optional(),
});

/** A provider's rate limits (several windows at once), shared by every worker through Redis. */
export const providerLimits = (provider: string, fallback: z.input<typeof LimitSchema>[]) =>
  z
    .array(LimitSchema, { error: 'expected a list of {limit, windowMs, marginMs?}' })
    .min(1, { error: 'expected at least one limit' })
    .default(fallback)
    .describe(`Rate limits of ${provider}, shared by every worker through Redis (weight per window).`);

export const BackfillSchema = z
  .strictObject({
    rules: z
      .array(RuleSchema, { error: 'expected a list of provider rules' })
      .min(1, { error: 'expected at least one rule' })
      .default([
        { assetClasses: ['crypto'], timeframes: 'any', providers: ['binance', 'alpaca'], adjustment: 'raw' },
        {
          assetClasses: ['equity', 'etf'],
          timeframes: 'intraday',
          providers: ['alpaca', 'alphavantage'],
          adjustment: 'raw',
        },
        {
          assetClasses: ['equity', 'etf', 'index'],
          timeframes: 'daily',
          providers: ['alpaca', 'yahoo'],
          adjustment: 'split',
        },
      ])
      .describe('Provider rules, first match wins: by asset class and timeframe, an ordered failover list.'),
    limits: z
      .strictObject({
        binance: providerLimits('Binance (request weight per IP; klines weigh 2)', [
          { limit: 6000, windowMs: 60000, marginMs: 1000 },
        ]),
        alpaca: providerLimits('Alpaca (requests; 200/min on the free plan)', [
          { limit: 200, windowMs: 60000, marginMs: 1000 },
        ]),
        yahoo: providerLimits('Yahoo (no published quota)', [{ limit: 60, windowMs: 60000, marginMs: 1000 }]),
        alphavantage: providerLimits('Alpha Vantage (free key: 1/s and 25/day)', [
          { limit: 1, windowMs: 1000, marginMs: 200 },
          { limit: 25, windowMs: 86_400_000 },
        ]),
      })
      .prefault({})
      .describe('Rate limits per history provider.'),
    requestTimeoutMs: whole(1, 'expected a positive integer (ms)')
      .default(15000)
      .describe('One history request must complete within this time.'),
    breakerFailures: whole(1, 'expected a positive integer')
      .default(5)
      .describe('Consecutive failures that open a provider circuit breaker.'),
    breakerCooldownMs: whole(1, 'expected a positive integer (ms)')
      .default(30000)
      .describe('How long an open breaker waits before a probe (doubling after each failed probe).'),
    concurrency: whole(1, 'expected a positive integer')
      .default(4)
      .describe('Chunk jobs one backfill worker process runs at once (they share the provider limits).'),
    attempts: whole(1, 'expected a positive integer')
      .default(8)
      .describe('Tries of one chunk job before it fails (retryable provider errors only).'),
    backoffMs: whole(1, 'expected a positive integer (ms)')
      .default(1000)
      .describe('First retry delay of a chunk, doubling per try up to 5 min, never below Retry-After.'),
    lockDurationMs: whole(1000, 'expected an integer >= 1000 (ms)')
      .default(30000)
      .describe("Job lock: a crashed worker's job is taken over once its lock expires (stalled)."),
    keepDays: whole(1, 'expected a positive integer (days)')
      .default(7)
      .describe(
        'Finished requests and chunks are kept this long: a repeated request within it does no work.',
      ),
    repair: z
      .strictObject({
        enabled: z
          .boolean({ error: 'expected true or false' })
          .default(true)
          .describe('Consume `tl:gaps` and repair the bars of each gap.'),
        timeframes: z
          .array(TimeframeSchema, { error: 'expected a list of timeframes' })
          .default(['1m', '5m', '15m', '1h', '4h', '1d'])
          .describe('Timeframes whose bars a gap repair rewrites.'),
        delayMs: whole(0, 'expected an integer >= 0 (ms)')
          .default(5000)
          .describe("Wait after a bar closes before repairing it (the venue's history settles)."),
        penalty: z
          .number({ error: 'expected a number in [0, 1]' })
          .min(0, { error: 'expected a number in [0, 1]' })
          .max(1, { error: 'expected a number in [0, 1]' })
          .default(0.05)
          .describe('Quality score taken off a repaired bar (flag `repaired`).'),
      })
      .prefault({})
      .describe('Gap repair by the backfill service.'),
  })
  .prefault({})
  .describe('History backfill: provider selection, failover and shared rate limits.');
export type BackfillConfig = z.output<typeof BackfillSchema>;
