/** What a field is refreshed with: each has its own cache TTL. */
export type FundamentalsDataType = 'profile' | 'ratios' | 'statements' | 'calendar' | 'dividends' | 'other';

export const DATA_TYPES: readonly FundamentalsDataType[] = [
  'profile',
  'ratios',
  'statements',
  'calendar',
  'dividends',
  'other',
];

/** How a field's number reads: money in the record's currency, or a unit-free count or ratio. */
export type FieldUnit = 'money' | 'per share' | 'ratio' | 'fraction' | 'shares' | 'count' | 'text' | 'date';

export interface FieldSpec {
  dataType: FundamentalsDataType;
  unit: FieldUnit;
  /** The key the old Python cache used in its flat `fundamentals` object. */
  legacyKey: string;
}

const spec = (dataType: FundamentalsDataType, unit: FieldUnit, legacyKey: string): FieldSpec => ({
  dataType,
  unit,
  legacyKey,
});

/**
 * The canonical fields, camelCase. Fractions are plain ratios (0.05 = 5 %): providers that give
 * percentages are divided by 100 in their mapper, so every source speaks the same unit.
 */
export const FIELD_CATALOG = {
  name: spec('profile', 'text', 'name'),
  sector: spec('profile', 'text', 'sector'),
  industry: spec('profile', 'text', 'industry'),
  country: spec('profile', 'text', 'country'),
  exchange: spec('profile', 'text', 'exchange'),
  employees: spec('profile', 'count', 'employees'),
  marketCap: spec('profile', 'money', 'market_cap'),
  beta: spec('profile', 'ratio', 'beta'),
  sharesOutstanding: spec('profile', 'shares', 'shares_outstanding'),
  peRatio: spec('ratios', 'ratio', 'pe_ratio'),
  forwardPE: spec('ratios', 'ratio', 'forward_pe'),
  priceToBook: spec('ratios', 'ratio', 'pb_ratio'),
  priceToSales: spec('ratios', 'ratio', 'ps_ratio'),
  evToEbitda: spec('ratios', 'ratio', 'ev_to_ebitda'),
  currentRatio: spec('ratios', 'ratio', 'current_ratio'),
  dividendYield: spec('ratios', 'fraction', 'dividend_yield'),
  profitMargin: spec('ratios', 'fraction', 'profit_margin'),
  operatingMargin: spec('ratios', 'fraction', 'operating_margin'),
  returnOnEquity: spec('ratios', 'fraction', 'roe'),
  returnOnAssets: spec('ratios', 'fraction', 'roa'),
  enterpriseValue: spec('ratios', 'money', 'enterprise_value'),
  revenue: spec('statements', 'money', 'revenue'),
  grossProfit: spec('statements', 'money', 'gross_profit'),
  netIncome: spec('statements', 'money', 'net_income'),
  ebitda: spec('statements', 'money', 'ebitda'),
  eps: spec('statements', 'per share', 'eps'),
  totalDebt: spec('statements', 'money', 'total_debt'),
  cash: spec('statements', 'money', 'cash'),
  dividendPerShare: spec('dividends', 'per share', 'dividend_per_share'),
  exDividendDate: spec('dividends', 'date', 'ex_dividend_date'),
  fiscalYearEnd: spec('calendar', 'text', 'fiscal_year_end'),
  latestQuarter: spec('calendar', 'date', 'latest_quarter'),
  week52High: spec('other', 'per share', 'week_52_high'),
  week52Low: spec('other', 'per share', 'week_52_low'),
} as const satisfies Record<string, FieldSpec>;

export type FieldName = keyof typeof FIELD_CATALOG;

export function isFieldName(name: string): name is FieldName {
  return Object.prototype.hasOwnProperty.call(FIELD_CATALOG, name);
}

/** The data type of a field; fields outside the catalogue count as 'other'. */
export function dataTypeOf(name: string): FundamentalsDataType {
  return isFieldName(name) ? FIELD_CATALOG[name].dataType : 'other';
}
