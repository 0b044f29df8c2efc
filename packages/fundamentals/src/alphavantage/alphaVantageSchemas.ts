import { z } from 'zod';

// OVERVIEW sends every value as a string, "None" (or "-") for absent numbers; the mapper parses them.
const text = z.string().optional();

export const AlphaVantageOverviewSchema = z.looseObject({
  Symbol: z.string(),
  Name: text,
  Exchange: text,
  Currency: text,
  Country: text,
  Sector: text,
  Industry: text,
  FullTimeEmployees: text,
  FiscalYearEnd: text,
  LatestQuarter: text,
  MarketCapitalization: text,
  EBITDA: text,
  PERatio: text,
  ForwardPE: text,
  DividendPerShare: text,
  DividendYield: text,
  EPS: text,
  ProfitMargin: text,
  OperatingMarginTTM: text,
  ReturnOnAssetsTTM: text,
  ReturnOnEquityTTM: text,
  RevenueTTM: text,
  GrossProfitTTM: text,
  PriceToSalesRatioTTM: text,
  PriceToBookRatio: text,
  EVToEBITDA: text,
  Beta: text,
  '52WeekHigh': text,
  '52WeekLow': text,
  SharesOutstanding: text,
  ExDividendDate: text,
});
export type AlphaVantageOverview = z.infer<typeof AlphaVantageOverviewSchema>;

/** Quota and plan messages: HTTP 200 with a single "Note" or "Information" key. */
export const AlphaVantageNoticeSchema = z.union([
  z.strictObject({ Note: z.string() }),
  z.strictObject({ Information: z.string() }),
  z.strictObject({ 'Error Message': z.string() }),
]);
