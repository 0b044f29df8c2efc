import { z } from 'zod';
import { describeInput, epochMs, finiteNumber, label } from './numberSchemas';
import { SymbolSchema } from './symbol';

/** An ISO 4217 currency code such as USD. */
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, {
  error: (issue) => `currency must be a three-letter ISO code such as USD, got ${describeInput(issue.input)}`,
});

/**
 * One fundamental figure with its provenance: providers disagree, so every field says who said it and
 * when. `value` is null when the provider reported the field as absent.
 */
export const FundamentalFieldSchema = z.strictObject({
  value: z.union([finiteNumber('value'), z.string(), z.null()]),
  /** What the number counts, when not a currency amount: 'shares', 'ratio', 'percent', ... */
  unit: label('unit').optional(),
  /** For money amounts whose currency differs from the record's. */
  currency: CurrencySchema.optional(),
  /** The provider, e.g. 'fmp', 'alphavantage', 'yahoo'. */
  source: label('source'),
  fetchedAt: epochMs('fetchedAt'),
  /** The date the figure describes (statement date, latest quarter), when it differs from the record's. */
  asOf: epochMs('asOf').optional(),
  /** The reporting period of a flow figure: 'TTM', 'FY2024', '2025 Q3'. Figures of different periods never compare. */
  period: label('period').optional(),
});
export type FundamentalField = z.infer<typeof FundamentalFieldSchema>;

/**
 * The fundamentals of one company or fund, keyed by field name in camelCase (marketCap, peRatio,
 * sector, sharesOutstanding, ...). Symbol only, not venue: fundamentals belong to the issuer.
 */
export const FundamentalsSchema = z.strictObject({
  symbol: SymbolSchema,
  /** The date the figures describe (e.g. the latest reported quarter), epoch ms. */
  asOf: epochMs('asOf'),
  /** The reporting currency for money fields without a currency of their own. */
  currency: CurrencySchema,
  fields: z.record(label('field name'), FundamentalFieldSchema),
});
export type Fundamentals = z.infer<typeof FundamentalsSchema>;
