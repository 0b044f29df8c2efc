import type { Fundamentals } from '@tickline/core';
import type { z } from 'zod';
import { FundamentalsError } from '../fundamentalsError';
import type { FundamentalsSource } from '../fundamentalsSource';
import { bodySnippet, checkStatus, parseBody, redactUrl, tryParseJson } from '../http';
import { keyedEndpoint, type KeyedEndpoint, type KeyedSourceOptions } from '../keyedEndpoint';
import { parseWith } from '../parseWith';
import { FMP, mapFmp } from './fmpMapper';
import {
  FmpErrorBodySchema,
  FmpIncomeStatementSchema,
  FmpKeyMetricsTtmSchema,
  FmpProfileSchema,
} from './fmpSchemas';

/** `apiKey` from FMP_API_KEY; origin [https://financialmodelingprep.com]. */
export type FmpSourceOptions = KeyedSourceOptions;

/** Financial Modeling Prep's stable API: profile, TTM key metrics, latest annual income statement. */
export class FmpSource implements FundamentalsSource {
  readonly name = FMP;
  private readonly endpoint: KeyedEndpoint;

  constructor(options: FmpSourceOptions) {
    this.endpoint = keyedEndpoint(FMP, options, {
      envVar: 'FMP_API_KEY',
      origin: 'https://financialmodelingprep.com',
    });
  }

  async fetch(symbol: string, fetchedAt: number): Promise<Fundamentals> {
    const profile = await this.first('profile', { symbol }, FmpProfileSchema);
    if (profile === undefined) throw new FundamentalsError('NOT_FOUND', `fmp: no profile for ${symbol}`, FMP);
    const metrics = await this.first('key-metrics-ttm', { symbol }, FmpKeyMetricsTtmSchema);
    const income = await this.first(
      'income-statement',
      { symbol, period: 'annual', limit: '1' },
      FmpIncomeStatementSchema,
    );
    return mapFmp({ profile, metrics, income }, fetchedAt);
  }

  /** The first row of an endpoint's array, undefined for `[]`. */
  private async first<T extends z.ZodType>(
    path: string,
    query: Record<string, string>,
    schema: T,
  ): Promise<z.infer<T> | undefined> {
    const { apiKey, baseUrl, http } = this.endpoint;
    const params = new URLSearchParams({ ...query, apikey: apiKey });
    const url = `${baseUrl}/stable/${path}?${params.toString()}`;
    const reply = await http(url);
    const body = reply.status === 429 || reply.status < 300 ? tryParseJson(reply.text) : undefined;
    // FMP's quota errors come as 200 or 429 with an "Error Message" body; look before the status.
    const error = FmpErrorBodySchema.safeParse(body);
    if (error.success) throw fmpError(error.data['Error Message'], url);
    checkStatus(FMP, url, reply);
    const rows = parseBody(FMP, url, reply);
    if (!Array.isArray(rows))
      throw new FundamentalsError(
        'BAD_RESPONSE',
        `fmp: GET ${redactUrl(url)} did not answer an array: ${bodySnippet(reply.text, url)}`,
        FMP,
      );
    if (rows.length === 0) return undefined;
    return parseWith(schema, rows[0], FMP, `GET ${redactUrl(url)}`);
  }
}

/** Classifies FMP's "Error Message" texts (documented wording in protocols/venues.md). */
export function fmpError(message: string, url: string): FundamentalsError {
  const text = `fmp: GET ${redactUrl(url)}: ${bodySnippet(message, url)}`;
  if (/limit reach/i.test(message)) return new FundamentalsError('RATE_LIMITED', text, FMP);
  if (/invalid api key|legacy endpoint|restricted endpoint|premium/i.test(message))
    return new FundamentalsError('UNAUTHORIZED', text, FMP);
  return new FundamentalsError('BAD_RESPONSE', text, FMP);
}
