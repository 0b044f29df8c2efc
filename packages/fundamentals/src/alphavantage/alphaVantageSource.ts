import type { Fundamentals } from '@tickline/core';
import { FundamentalsError } from '../fundamentalsError';
import type { FundamentalsSource } from '../fundamentalsSource';
import { bodySnippet, checkStatus, parseBody, redactUrl } from '../http';
import { keyedEndpoint, type KeyedEndpoint, type KeyedSourceOptions } from '../keyedEndpoint';
import { parseWith } from '../parseWith';
import { ALPHA_VANTAGE, mapAlphaVantage } from './alphaVantageMapper';
import { AlphaVantageNoticeSchema, AlphaVantageOverviewSchema } from './alphaVantageSchemas';

/** `apiKey` from ALPHAVANTAGE_API_KEY; origin [https://www.alphavantage.co]. */
export type AlphaVantageSourceOptions = KeyedSourceOptions;

/** Alpha Vantage OVERVIEW: one request per symbol, every value a string. */
export class AlphaVantageSource implements FundamentalsSource {
  readonly name = ALPHA_VANTAGE;
  private readonly endpoint: KeyedEndpoint;

  constructor(options: AlphaVantageSourceOptions) {
    this.endpoint = keyedEndpoint(ALPHA_VANTAGE, options, {
      envVar: 'ALPHAVANTAGE_API_KEY',
      origin: 'https://www.alphavantage.co',
    });
  }

  async fetch(symbol: string, fetchedAt: number): Promise<Fundamentals> {
    const { apiKey, baseUrl, http } = this.endpoint;
    const params = new URLSearchParams({ function: 'OVERVIEW', symbol, apikey: apiKey });
    const url = `${baseUrl}/query?${params.toString()}`;
    const reply = await http(url);
    checkStatus(ALPHA_VANTAGE, url, reply);
    const body = parseBody(ALPHA_VANTAGE, url, reply);
    const notice = AlphaVantageNoticeSchema.safeParse(body);
    if (notice.success) throw alphaVantageNotice(notice.data, url);
    if (typeof body === 'object' && body !== null && Object.keys(body).length === 0) {
      throw new FundamentalsError(
        'NOT_FOUND',
        `alphavantage: no OVERVIEW for ${symbol} (empty object)`,
        ALPHA_VANTAGE,
      );
    }
    return mapAlphaVantage(
      parseWith(AlphaVantageOverviewSchema, body, ALPHA_VANTAGE, `GET ${redactUrl(url)}`),
      fetchedAt,
    );
  }
}

/** Alpha Vantage's HTTP-200 notices: quota (daily or per second), premium-only, or a bad call. */
export function alphaVantageNotice(
  notice: { Note: string } | { Information: string } | { 'Error Message': string },
  url: string,
): FundamentalsError {
  const text = Object.values(notice)[0] as string;
  const message = `alphavantage: GET ${redactUrl(url)}: ${bodySnippet(text, url)}`;
  if ('Error Message' in notice) return new FundamentalsError('BAD_RESPONSE', message, ALPHA_VANTAGE);
  if (/premium endpoint/i.test(text)) return new FundamentalsError('UNAUTHORIZED', message, ALPHA_VANTAGE);
  if (/rate limit|per second|per day|per minute|call frequency/i.test(text)) {
    return new FundamentalsError('RATE_LIMITED', message, ALPHA_VANTAGE);
  }
  return new FundamentalsError('UNAUTHORIZED', message, ALPHA_VANTAGE);
}
