import type { Fundamentals } from '@tickline/core';
import { buildFundamentals, type RawField } from '../buildFundamentals';
import { isoDateOfSeconds } from '../parseValues';
import type { YahooQuoteSummaryResult } from './yahooSchemas';

export const YAHOO = 'yahoo';

/** Quote currencies in minor units (pence, cents): prices are divided by 100 into the major currency. */
const MINOR_UNITS: Record<string, string> = { GBp: 'GBP', GBX: 'GBP', ZAc: 'ZAR', ILA: 'ILS' };

/**
 * One quoteSummary result (modules price, summaryDetail, defaultKeyStatistics, financialData,
 * assetProfile) as a record. Pure. Statement figures are Yahoo's trailing twelve months; the record's
 * currency is the financial (reporting) currency, and price-based money fields carry the quote
 * currency when it differs (a US listing of a company reporting in CNY).
 */
export function mapYahoo(symbol: string, result: YahooQuoteSummaryResult, fetchedAt: number): Fundamentals {
  const {
    price,
    summaryDetail: detail,
    defaultKeyStatistics: stats,
    financialData: fin,
    assetProfile: profile,
  } = result;
  const quote = quoteCurrency(price?.currency ?? detail?.currency ?? fin?.financialCurrency ?? 'USD');
  const currency = fin?.financialCurrency ?? quote.currency;
  const perShare = (value: number | null | undefined) =>
    typeof value === 'number' ? value / quote.divisor : value;
  const priced = { currency: quote.currency };
  const ttm = { period: 'TTM' };
  const mostRecentQuarter = stats?.mostRecentQuarter;
  const fields: RawField[] = [
    { name: 'name', value: price?.longName ?? price?.shortName },
    { name: 'exchange', value: price?.exchangeName },
    { name: 'sector', value: profile?.sector },
    { name: 'industry', value: profile?.industry },
    { name: 'country', value: profile?.country },
    { name: 'employees', value: profile?.fullTimeEmployees },
    { name: 'marketCap', value: price?.marketCap ?? detail?.marketCap, ...priced },
    { name: 'beta', value: detail?.beta },
    { name: 'peRatio', value: detail?.trailingPE, ...ttm },
    { name: 'forwardPE', value: detail?.forwardPE },
    { name: 'priceToSales', value: detail?.priceToSalesTrailing12Months, ...ttm },
    { name: 'dividendYield', value: detail?.dividendYield },
    { name: 'dividendPerShare', value: perShare(detail?.trailingAnnualDividendRate), ...priced, ...ttm },
    {
      name: 'exDividendDate',
      value: typeof detail?.exDividendDate === 'number' ? isoDateOfSeconds(detail.exDividendDate) : undefined,
    },
    { name: 'week52Low', value: perShare(detail?.fiftyTwoWeekLow), ...priced },
    { name: 'week52High', value: perShare(detail?.fiftyTwoWeekHigh), ...priced },
    { name: 'sharesOutstanding', value: stats?.sharesOutstanding },
    { name: 'priceToBook', value: stats?.priceToBook },
    { name: 'enterpriseValue', value: stats?.enterpriseValue, ...priced },
    { name: 'evToEbitda', value: stats?.enterpriseToEbitda, ...ttm },
    { name: 'eps', value: stats?.trailingEps, ...ttm },
    { name: 'netIncome', value: stats?.netIncomeToCommon, ...ttm },
    {
      name: 'latestQuarter',
      value: typeof mostRecentQuarter === 'number' ? isoDateOfSeconds(mostRecentQuarter) : undefined,
    },
    { name: 'revenue', value: fin?.totalRevenue, ...ttm },
    { name: 'grossProfit', value: fin?.grossProfits, ...ttm },
    { name: 'ebitda', value: fin?.ebitda, ...ttm },
    { name: 'totalDebt', value: fin?.totalDebt },
    { name: 'cash', value: fin?.totalCash },
    { name: 'currentRatio', value: fin?.currentRatio },
    { name: 'returnOnAssets', value: fin?.returnOnAssets, ...ttm },
    { name: 'returnOnEquity', value: fin?.returnOnEquity, ...ttm },
    { name: 'profitMargin', value: fin?.profitMargins, ...ttm },
    { name: 'operatingMargin', value: fin?.operatingMargins, ...ttm },
  ];
  return buildFundamentals({
    source: YAHOO,
    symbol,
    fetchedAt,
    asOf: typeof mostRecentQuarter === 'number' ? mostRecentQuarter * 1000 : fetchedAt,
    currency,
    fields,
  });
}

function quoteCurrency(code: string): { currency: string; divisor: number } {
  const major = MINOR_UNITS[code];
  return major === undefined ? { currency: code, divisor: 1 } : { currency: major, divisor: 100 };
}
