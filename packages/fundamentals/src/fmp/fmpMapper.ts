import type { Fundamentals } from '@tickline/core';
import { buildFundamentals, type RawField } from '../buildFundamentals';
import { parseIsoDate, parseNumericText } from '../parseValues';
import type { FmpIncomeStatement, FmpKeyMetricsTtm, FmpProfile } from './fmpSchemas';

export const FMP = 'fmp';

/** The three FMP replies one fetch combines; metrics and statement may be missing for funds. */
export interface FmpReplies {
  profile: FmpProfile;
  metrics?: FmpKeyMetricsTtm;
  income?: FmpIncomeStatement;
}

/**
 * FMP's profile, TTM key metrics and latest income statement as one record. Pure. FMP gives ratios
 * as fractions already; P/E is not in key metrics, so it is the inverse of the TTM earnings yield.
 */
export function mapFmp(replies: FmpReplies, fetchedAt: number): Fundamentals {
  const { profile, metrics, income } = replies;
  const currency = profile.currency ?? income?.reportedCurrency ?? 'USD';
  const statementDate = income
    ? (parseIsoDate(income.date, FMP, 'income-statement date') ?? undefined)
    : undefined;
  return buildFundamentals({
    source: FMP,
    symbol: profile.symbol,
    fetchedAt,
    asOf: statementDate ?? fetchedAt,
    currency,
    fields: [
      ...profileFields(profile),
      ...(metrics ? metricFields(metrics) : []),
      ...(income ? incomeFields(income, statementDate) : []),
    ],
  });
}

function profileFields(p: FmpProfile): RawField[] {
  const range = parseRange(p.range);
  const employees = p.fullTimeEmployees;
  return [
    { name: 'name', value: p.companyName },
    { name: 'sector', value: p.sector },
    { name: 'industry', value: p.industry },
    { name: 'country', value: p.country },
    { name: 'exchange', value: p.exchange },
    {
      name: 'employees',
      value:
        typeof employees === 'string' ? parseNumericText(employees, FMP, 'fullTimeEmployees') : employees,
    },
    { name: 'marketCap', value: p.marketCap },
    { name: 'beta', value: p.beta },
    { name: 'dividendPerShare', value: p.lastDividend, period: 'TTM' },
    { name: 'week52Low', value: range?.low },
    { name: 'week52High', value: range?.high },
  ];
}

function metricFields(m: FmpKeyMetricsTtm): RawField[] {
  const earningsYield = m.earningsYieldTTM;
  return [
    { name: 'enterpriseValue', value: m.enterpriseValueTTM },
    { name: 'evToEbitda', value: m.evToEBITDATTM, period: 'TTM' },
    { name: 'currentRatio', value: m.currentRatioTTM },
    { name: 'returnOnAssets', value: m.returnOnAssetsTTM, period: 'TTM' },
    { name: 'returnOnEquity', value: m.returnOnEquityTTM, period: 'TTM' },
    // A zero or negative yield has no meaningful P/E (losses): leave the field out.
    {
      name: 'peRatio',
      value: earningsYield && earningsYield > 0 ? 1 / earningsYield : undefined,
      period: 'TTM',
    },
  ];
}

function incomeFields(s: FmpIncomeStatement, asOf: number | undefined): RawField[] {
  const period = fmpPeriod(s);
  const extra = { period, asOf, currency: s.reportedCurrency ?? undefined };
  return [
    { name: 'revenue', value: s.revenue, ...extra },
    { name: 'grossProfit', value: s.grossProfit, ...extra },
    { name: 'netIncome', value: s.netIncome, ...extra },
    { name: 'ebitda', value: s.ebitda, ...extra },
    { name: 'eps', value: s.eps, ...extra },
  ];
}

/** `FY2024` for annual rows, `2025 Q3` for quarters, so the period is never mistaken for TTM. */
export function fmpPeriod(s: Pick<FmpIncomeStatement, 'period' | 'fiscalYear' | 'date'>): string {
  const year = s.fiscalYear ?? s.date.slice(0, 4);
  return s.period === 'FY' || s.period === undefined || s.period === null
    ? `FY${year}`
    : `${year} ${s.period}`;
}

/** FMP's 52-week range text "164.08-260.1". */
export function parseRange(range: string | null | undefined): { low: number; high: number } | undefined {
  const number = String.raw`(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)`;
  const match = new RegExp(String.raw`^\s*${number}\s*-\s*${number}\s*$`).exec(range ?? '');
  if (!match) return undefined;
  return { low: Number(match[1]), high: Number(match[2]) };
}
