import type { Fundamentals } from '@tickline/core';
import { buildFundamentals, type RawField } from '../buildFundamentals';
import type { FieldName } from '../fieldCatalog';
import { parseIsoDate, parseNumericText } from '../parseValues';
import type { AlphaVantageOverview } from './alphaVantageSchemas';

export const ALPHA_VANTAGE = 'alphavantage';

type OverviewKey = keyof AlphaVantageOverview;

// Which OVERVIEW key feeds which field, and whether it is a trailing-twelve-month figure.
const NUMBERS: readonly [FieldName, OverviewKey, 'TTM'?][] = [
  ['employees', 'FullTimeEmployees'],
  ['marketCap', 'MarketCapitalization'],
  ['ebitda', 'EBITDA', 'TTM'],
  ['peRatio', 'PERatio', 'TTM'],
  ['forwardPE', 'ForwardPE'],
  ['dividendPerShare', 'DividendPerShare', 'TTM'],
  ['dividendYield', 'DividendYield'],
  ['eps', 'EPS', 'TTM'],
  ['profitMargin', 'ProfitMargin', 'TTM'],
  ['operatingMargin', 'OperatingMarginTTM', 'TTM'],
  ['returnOnAssets', 'ReturnOnAssetsTTM', 'TTM'],
  ['returnOnEquity', 'ReturnOnEquityTTM', 'TTM'],
  ['revenue', 'RevenueTTM', 'TTM'],
  ['grossProfit', 'GrossProfitTTM', 'TTM'],
  ['priceToSales', 'PriceToSalesRatioTTM', 'TTM'],
  ['priceToBook', 'PriceToBookRatio'],
  ['evToEbitda', 'EVToEBITDA', 'TTM'],
  ['beta', 'Beta'],
  ['week52High', '52WeekHigh'],
  ['week52Low', '52WeekLow'],
  ['sharesOutstanding', 'SharesOutstanding'],
];

const TEXTS: readonly [FieldName, OverviewKey][] = [
  ['name', 'Name'],
  ['exchange', 'Exchange'],
  ['country', 'Country'],
  ['sector', 'Sector'],
  ['industry', 'Industry'],
  ['fiscalYearEnd', 'FiscalYearEnd'],
];

/** An OVERVIEW body as a record. Pure. Values are strings; "None" means absent. */
export function mapAlphaVantage(overview: AlphaVantageOverview, fetchedAt: number): Fundamentals {
  const get = (key: OverviewKey): string | undefined => {
    const value = overview[key];
    return typeof value === 'string' ? value : undefined;
  };
  const number = (key: OverviewKey) => {
    const value = get(key);
    return value === undefined ? undefined : parseNumericText(value, ALPHA_VANTAGE, key);
  };
  const date = (key: OverviewKey) => {
    const value = get(key);
    return value === undefined ? undefined : parseIsoDate(value, ALPHA_VANTAGE, key);
  };
  const latestQuarter = date('LatestQuarter');
  const exDividend = date('ExDividendDate');
  const fields: RawField[] = [
    ...NUMBERS.map(([name, key, period]): RawField => ({
      name,
      value: number(key),
      ...(period ? { period } : {}),
    })),
    ...TEXTS.map(([name, key]): RawField => ({ name, value: absentText(get(key)) })),
    { name: 'latestQuarter', value: latestQuarter === null ? undefined : get('LatestQuarter') },
    { name: 'exDividendDate', value: exDividend === null ? undefined : get('ExDividendDate') },
  ];
  return buildFundamentals({
    source: ALPHA_VANTAGE,
    symbol: overview.Symbol,
    fetchedAt,
    asOf: latestQuarter ?? fetchedAt,
    currency: absentText(get('Currency')) ?? 'USD',
    fields,
  });
}

function absentText(value: string | undefined): string | undefined {
  return value === undefined || value === 'None' || value.trim() === '' || value === '-' ? undefined : value;
}
