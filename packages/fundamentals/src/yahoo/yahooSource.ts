import type { Fundamentals } from '@tickline/core';
import { FundamentalsError } from '../fundamentalsError';
import type { FundamentalsSource } from '../fundamentalsSource';
import {
  bodySnippet,
  checkStatus,
  fetchHttpGet,
  originOf,
  parseBody,
  redactUrl,
  tryParseJson,
  type HttpGet,
  type HttpReply,
} from '../http';
import { parseWith } from '../parseWith';
import { YAHOO, mapYahoo } from './yahooMapper';
import {
  YahooFinanceErrorBodySchema,
  YahooQuoteSummaryBodySchema,
  YahooQuoteSummaryResultSchema,
} from './yahooSchemas';

export const YAHOO_MODULES = [
  'price',
  'summaryDetail',
  'defaultKeyStatistics',
  'financialData',
  'assetProfile',
] as const;

export interface YahooSourceOptions {
  /** Origin of quoteSummary and getcrumb [https://query2.finance.yahoo.com]. */
  baseUrl?: string;
  /** A page that sets Yahoo's session cookie [https://fc.yahoo.com]. */
  cookieUrl?: string;
  /** [fetch with a 10 s timeout] */
  http?: HttpGet;
}

interface Session {
  cookie: string;
  crumb: string;
}

/**
 * Yahoo quoteSummary. It needs a session cookie and a crumb: both are fetched once and reused, and
 * fetched again once when Yahoo answers 401 Invalid Crumb.
 */
export class YahooSource implements FundamentalsSource {
  readonly name = YAHOO;
  private readonly baseUrl: string;
  private readonly cookieUrl: string;
  private readonly http: HttpGet;
  private session: Session | undefined;

  constructor(options: YahooSourceOptions = {}) {
    this.baseUrl = originOf(options.baseUrl, 'https://query2.finance.yahoo.com');
    this.cookieUrl = options.cookieUrl ?? 'https://fc.yahoo.com';
    this.http = options.http ?? fetchHttpGet(YAHOO);
  }

  async fetch(symbol: string, fetchedAt: number): Promise<Fundamentals> {
    let reply = await this.quoteSummary(symbol, await this.openSession());
    if (reply.reply.status === 401) {
      this.session = undefined;
      reply = await this.quoteSummary(symbol, await this.openSession());
    }
    return mapYahoo(symbol, resultOf(symbol, reply.url, reply.reply), fetchedAt);
  }

  private async quoteSummary(symbol: string, session: Session): Promise<{ url: string; reply: HttpReply }> {
    const params = new URLSearchParams({
      modules: YAHOO_MODULES.join(','),
      formatted: 'false',
      crumb: session.crumb,
    });
    const url = `${this.baseUrl}/v10/finance/quoteSummary/${encodeURIComponent(symbol)}?${params.toString()}`;
    return { url, reply: await this.http(url, { cookie: session.cookie }) };
  }

  private async openSession(): Promise<Session> {
    if (this.session) return this.session;
    const landing = await this.http(this.cookieUrl);
    // Yahoo's cookie page answers 404 on purpose; only the cookie matters, a 429 does not.
    if (landing.status === 429) checkStatus(YAHOO, this.cookieUrl, landing);
    const cookie = landing.headers
      .getSetCookie()
      .map((line) => line.split(';')[0] ?? '')
      .filter((pair) => pair !== '')
      .join('; ');
    const crumbUrl = `${this.baseUrl}/v1/test/getcrumb`;
    const reply = await this.http(crumbUrl, { cookie });
    checkStatus(YAHOO, crumbUrl, reply);
    const crumb = reply.text.trim();
    if (crumb === '' || crumb.includes('<') || crumb.includes('{')) {
      throw new FundamentalsError(
        'UNAUTHORIZED',
        `yahoo: GET ${crumbUrl} gave no crumb: ${bodySnippet(reply.text)}`,
        YAHOO,
      );
    }
    this.session = { cookie, crumb };
    return this.session;
  }
}

/** The single result of a quoteSummary reply, or the coded error its envelope or status means. */
export function resultOf(symbol: string, url: string, reply: HttpReply) {
  const body = tryParseJson(reply.text);
  const envelope = YahooQuoteSummaryBodySchema.safeParse(body);
  const finance = YahooFinanceErrorBodySchema.safeParse(body);
  const error = envelope.success
    ? envelope.data.quoteSummary.error
    : finance.success
      ? finance.data.finance.error
      : null;
  if (error && reply.status === 404) {
    throw new FundamentalsError('NOT_FOUND', `yahoo: ${symbol}: ${error.code}: ${error.description}`, YAHOO);
  }
  checkStatus(YAHOO, url, reply);
  if (!envelope.success) {
    parseBody(YAHOO, url, reply);
    throw new FundamentalsError(
      'BAD_RESPONSE',
      `yahoo: GET ${redactUrl(url)} is not a quoteSummary envelope: ${bodySnippet(reply.text, url)}`,
      YAHOO,
    );
  }
  const first = envelope.data.quoteSummary.result?.[0];
  if (first === undefined)
    throw new FundamentalsError('NOT_FOUND', `yahoo: ${symbol}: quoteSummary result is empty`, YAHOO);
  return parseWith(YahooQuoteSummaryResultSchema, first, YAHOO, `GET ${redactUrl(url)}`);
}
