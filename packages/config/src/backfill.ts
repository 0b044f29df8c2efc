import { z } from 'zod';

// Backfill settings: which history provider serves which bars (ordered failover lists) and the rate
// limits shared by every worker. Mirrors @tickline/history's names; config stays self-contained.

export const HISTORY_PROVIDER_NAMES = ['binance', 'alpaca', 'yahoo', 'alphavantage'] as const;
const ASSET_CLASS_NAMES = ['crypto', 'equity', 'etf', 'index', 'fx', 'future', 'unknown'] as const;
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

const limits = (provider: string, fallback: z.input<typeof LimitSchema>[]) =>
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
        binance: limits('Binance (request weight per IP; klines weigh 2)', [
          { limit: 6000, windowMs: 60000, marginMs: 1000 },
        ]),
        alpaca: limits('Alpaca (requests; 200/min on the free plan)', [
          { limit: 200, windowMs: 60000, marginMs: 1000 },
        ]),
        yahoo: limits('Yahoo (no published quota)', [{ limit: 60, windowMs: 60000, marginMs: 1000 }]),
        alphavantage: limits('Alpha Vantage (free key: 1/s and 25/day)', [
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
  })
  .prefault({})
  .describe('History backfill: provider selection, failover and shared rate limits.');
export type BackfillConfig = z.output<typeof BackfillSchema>;
