import { z } from 'zod';

// With formatted=false Yahoo sends plain numbers, but an absent value is often `{}`, and with
// formatted=true numbers are `{"raw":..,"fmt":".."}`: both are unwrapped before validation.
function unwrap(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return 'raw' in value ? value.raw : undefined;
}
const num = z.preprocess(unwrap, z.number().nullish());
const text = z.preprocess(unwrap, z.string().nullish());

export const YahooSummaryDetailSchema = z.looseObject({
  currency: text,
  marketCap: num,
  trailingPE: num,
  forwardPE: num,
  dividendYield: num,
  trailingAnnualDividendRate: num,
  exDividendDate: num,
  beta: num,
  fiftyTwoWeekLow: num,
  fiftyTwoWeekHigh: num,
  priceToSalesTrailing12Months: num,
});

export const YahooKeyStatisticsSchema = z.looseObject({
  enterpriseValue: num,
  sharesOutstanding: num,
  priceToBook: num,
  trailingEps: num,
  netIncomeToCommon: num,
  mostRecentQuarter: num,
  enterpriseToEbitda: num,
});

export const YahooFinancialDataSchema = z.looseObject({
  totalRevenue: num,
  grossProfits: num,
  ebitda: num,
  totalDebt: num,
  totalCash: num,
  currentRatio: num,
  returnOnAssets: num,
  returnOnEquity: num,
  profitMargins: num,
  operatingMargins: num,
  financialCurrency: text,
});

export const YahooAssetProfileSchema = z.looseObject({
  sector: text,
  industry: text,
  country: text,
  fullTimeEmployees: num,
});

export const YahooPriceSchema = z.looseObject({
  symbol: z.string(),
  currency: text,
  marketCap: num,
  exchangeName: text,
  longName: text,
  shortName: text,
});

export const YahooQuoteSummaryResultSchema = z.looseObject({
  price: YahooPriceSchema.optional(),
  summaryDetail: YahooSummaryDetailSchema.optional(),
  defaultKeyStatistics: YahooKeyStatisticsSchema.optional(),
  financialData: YahooFinancialDataSchema.optional(),
  assetProfile: YahooAssetProfileSchema.optional(),
});
export type YahooQuoteSummaryResult = z.infer<typeof YahooQuoteSummaryResultSchema>;

const YahooErrorSchema = z.looseObject({ code: z.string(), description: z.string() });

/** `{"quoteSummary":{"result":[...]|null,"error":{code,description}|null}}` */
export const YahooQuoteSummaryBodySchema = z.looseObject({
  quoteSummary: z.looseObject({
    result: z.array(z.unknown()).nullable(),
    error: YahooErrorSchema.nullable(),
  }),
});

/** The 401 a missing or stale crumb gets: `{"finance":{"result":null,"error":{...}}}`. */
export const YahooFinanceErrorBodySchema = z.looseObject({
  finance: z.looseObject({ error: YahooErrorSchema }),
});
