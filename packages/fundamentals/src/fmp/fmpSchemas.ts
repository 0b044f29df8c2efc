import { z } from 'zod';

// Only the fields we map; FMP adds fields freely, so objects are loose. FMP sends null for unknowns.
const num = z.number().nullish();
const text = z.string().nullish();

export const FmpProfileSchema = z.looseObject({
  symbol: z.string(),
  price: num,
  marketCap: num,
  beta: num,
  lastDividend: num,
  range: text,
  companyName: text,
  currency: text,
  exchange: text,
  industry: text,
  sector: text,
  country: text,
  /** A string in the stable API ("164000"), a number in some captures. */
  fullTimeEmployees: z.union([z.string(), z.number()]).nullish(),
});
export type FmpProfile = z.infer<typeof FmpProfileSchema>;

export const FmpKeyMetricsTtmSchema = z.looseObject({
  symbol: z.string(),
  marketCap: num,
  enterpriseValueTTM: num,
  evToEBITDATTM: num,
  currentRatioTTM: num,
  returnOnAssetsTTM: num,
  returnOnEquityTTM: num,
  earningsYieldTTM: num,
});
export type FmpKeyMetricsTtm = z.infer<typeof FmpKeyMetricsTtmSchema>;

export const FmpIncomeStatementSchema = z.looseObject({
  date: z.string(),
  symbol: z.string(),
  reportedCurrency: text,
  fiscalYear: z.union([z.string(), z.number()]).nullish(),
  /** "FY" or "Q1".."Q4". */
  period: text,
  revenue: num,
  grossProfit: num,
  netIncome: num,
  ebitda: num,
  eps: num,
});
export type FmpIncomeStatement = z.infer<typeof FmpIncomeStatementSchema>;

/** Every FMP error body: `{"Error Message": "..."}`, sent with 200, 401, 403 or 429. */
export const FmpErrorBodySchema = z.looseObject({ 'Error Message': z.string() });
