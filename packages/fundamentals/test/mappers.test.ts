import { FundamentalsSchema } from '@tickline/core';
import { mapAlphaVantage } from '../src/alphavantage/alphaVantageMapper';
import { AlphaVantageOverviewSchema } from '../src/alphavantage/alphaVantageSchemas';
import { mapFmp } from '../src/fmp/fmpMapper';
import { FmpIncomeStatementSchema, FmpKeyMetricsTtmSchema, FmpProfileSchema } from '../src/fmp/fmpSchemas';
import { FundamentalsError } from '../src/fundamentalsError';
import { mapYahoo } from '../src/yahoo/yahooMapper';
import { YahooQuoteSummaryResultSchema } from '../src/yahoo/yahooSchemas';
import { fixture, fmpRow } from './support/fixtures';

const FETCHED = Date.UTC(2025, 1, 24, 9, 35);

function yahooResult(path: string) {
  const body = fixture(path) as { quoteSummary: { result: unknown[] } };
  return YahooQuoteSummaryResultSchema.parse(body.quoteSummary.result[0]);
}

describe('FMP mapper on recorded stable replies', () => {
  const profile = FmpProfileSchema.parse(fmpRow('fmp/profile_AAPL.json'));
  const metrics = FmpKeyMetricsTtmSchema.parse(fmpRow('fmp/key-metrics-ttm_AAPL.json'));
  const income = FmpIncomeStatementSchema.parse(fmpRow('fmp/income-statement_AAPL.json'));
  const record = mapFmp({ profile, metrics, income }, FETCHED);

  it('maps profile fields with provenance and units, the employee count parsed from its string', () => {
    expect(FundamentalsSchema.parse(record)).toEqual(record);
    expect(record.currency).toBe('USD');
    expect(record.fields.marketCap).toEqual({ value: 3500823120000, source: 'fmp', fetchedAt: FETCHED });
    expect(record.fields.employees).toMatchObject({ value: 164000, unit: 'count' });
    expect(record.fields.sector?.value).toBe('Technology');
    expect(record.fields.week52Low?.value).toBe(164.08);
    expect(record.fields.week52High?.value).toBe(260.1);
  });

  it('derives P/E as the inverse of the TTM earnings yield and keeps fractions as fractions', () => {
    expect(record.fields.peRatio?.value).toBeCloseTo(1 / 0.02876547742295654, 9);
    expect(record.fields.peRatio).toMatchObject({ unit: 'ratio', period: 'TTM' });
    expect(record.fields.returnOnEquity).toMatchObject({ value: 1.5492287406274625, unit: 'fraction' });
  });

  it('labels statement figures with their fiscal period and statement date, never as TTM', () => {
    expect(record.fields.revenue).toMatchObject({
      value: 94036000000,
      period: '2025 Q3',
      asOf: Date.UTC(2025, 5, 28),
    });
    expect(record.fields.eps).toMatchObject({ value: 1.57, unit: 'per share' });
    expect(record.asOf).toBe(Date.UTC(2025, 5, 28));
  });

  it('maps a profile alone (funds have no statements)', () => {
    const only = mapFmp({ profile }, FETCHED);
    expect(only.fields.revenue).toBeUndefined();
    expect(only.asOf).toBe(FETCHED);
  });
});

describe('Yahoo mapper on recorded quoteSummary replies', () => {
  const record = mapYahoo('AAPL', yahooResult('yahoo/quoteSummary-AAPL-5modules.json'), FETCHED);

  it('maps the five modules, TTM figures labelled, dates from epoch seconds', () => {
    expect(record.currency).toBe('USD');
    expect(record.fields.peRatio).toMatchObject({ value: 38.91442, period: 'TTM', source: 'yahoo' });
    expect(record.fields.revenue).toMatchObject({ value: 395760009216, period: 'TTM' });
    expect(record.fields.dividendYield).toMatchObject({ value: 0.0041, unit: 'fraction' });
    expect(record.fields.exDividendDate?.value).toBe('2025-02-10');
    expect(record.fields.latestQuarter?.value).toBe('2024-12-28');
    expect(record.fields.employees?.value).toBe(150000);
    expect(record.asOf).toBe(1735344000 * 1000);
  });

  it('maps a crypto pair, whose financial modules are absent, to the fields it has', () => {
    const btc = mapYahoo('BTC-USD', yahooResult('yahoo/quoteSummary-BTC-USD-5modules.json'), FETCHED);
    expect(btc.fields.marketCap?.value).toBe(1903960915968);
    expect(btc.fields.revenue).toBeUndefined();
    expect(btc.fields.peRatio).toBeUndefined();
  });

  it('states the quote currency on price-based money when the company reports in another', () => {
    const result = YahooQuoteSummaryResultSchema.parse({
      price: { symbol: 'BABA', currency: 'USD', marketCap: 2.5e11 },
      financialData: { financialCurrency: 'CNY', totalRevenue: 9.4e11 },
    });
    const baba = mapYahoo('BABA', result, FETCHED);
    expect(baba.currency).toBe('CNY');
    expect(baba.fields.marketCap).toMatchObject({ value: 2.5e11, currency: 'USD' });
    expect(baba.fields.revenue?.currency).toBeUndefined();
  });

  it('turns pence quotes into pounds for per-share prices', () => {
    const result = YahooQuoteSummaryResultSchema.parse({
      price: { symbol: 'OCDO.L', currency: 'GBp' },
      summaryDetail: { fiftyTwoWeekHigh: 512.5, currency: 'GBp' },
      financialData: { financialCurrency: 'GBP' },
    });
    expect(mapYahoo('OCDO.L', result, FETCHED).fields.week52High?.value).toBe(5.125);
  });

  it('unwraps formatted numbers and treats {} as absent', () => {
    const result = YahooQuoteSummaryResultSchema.parse({
      summaryDetail: { trailingPE: { raw: 21.5, fmt: '21.50' }, forwardPE: {} },
    });
    const record2 = mapYahoo('X', result, FETCHED);
    expect(record2.fields.peRatio?.value).toBe(21.5);
    expect(record2.fields.forwardPE).toBeUndefined();
  });
});

describe('Alpha Vantage mapper on a recorded OVERVIEW', () => {
  const overview = AlphaVantageOverviewSchema.parse(fixture('alphavantage/OVERVIEW_IBM.json'));
  const record = mapAlphaVantage(overview, FETCHED);

  it('parses its string numbers and dates', () => {
    expect(record.fields.marketCap).toEqual({
      value: 114234572800,
      source: 'alphavantage',
      fetchedAt: FETCHED,
    });
    expect(record.fields.peRatio).toMatchObject({ value: 14.1327, period: 'TTM' });
    expect(record.fields.dividendYield).toMatchObject({ value: 0.0529, unit: 'fraction' });
    expect(record.fields.revenue).toMatchObject({ value: 75499003904, period: 'TTM' });
    expect(record.fields.exDividendDate?.value).toBe('2020-08-07');
    expect(record.asOf).toBe(Date.UTC(2020, 5, 30));
    expect(record.fields.sector?.value).toBe('Technology');
  });

  it('drops "None" values instead of inventing numbers', () => {
    const sparse = AlphaVantageOverviewSchema.parse({
      ...overview,
      PERatio: 'None',
      ForwardPE: '-',
      Sector: 'None',
    });
    const out = mapAlphaVantage(sparse, FETCHED);
    expect(out.fields.peRatio).toBeUndefined();
    expect(out.fields.forwardPE).toBeUndefined();
    expect(out.fields.sector).toBeUndefined();
  });

  it('rejects a malformed number naming the field', () => {
    const bad = AlphaVantageOverviewSchema.parse({ ...overview, Beta: '1,2' });
    expect(() => mapAlphaVantage(bad, FETCHED)).toThrow(FundamentalsError);
    expect(() => mapAlphaVantage(bad, FETCHED)).toThrow(/Beta is not a number: "1,2"/);
  });
});
