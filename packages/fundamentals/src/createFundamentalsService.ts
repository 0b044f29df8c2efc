import { AlphaVantageSource } from './alphavantage/alphaVantageSource';
import type { TtlDays } from './cache/ttl';
import type { CombinationStrategy } from './combine/combineFundamentals';
import { FmpSource } from './fmp/fmpSource';
import type { FundamentalsSource } from './fundamentalsSource';
import { FundamentalsService, type FundamentalsServiceOptions } from './fundamentalsService';
import type { ProviderGate } from '@tickline/providers';
import { GatedSource } from './gatedSource';
import type { HttpGet } from './http';
import { YahooSource } from './yahoo/yahooSource';

export type FundamentalsProviderName = 'fmp' | 'yahoo' | 'alphavantage';

/**
 * The config sections this needs, shaped like `config.fundamentals` plus `config.venues` and
 * `config.cache.dir` of @tickline/config (API keys come from FMP_API_KEY / ALPHAVANTAGE_API_KEY).
 */
export interface FundamentalsSettings {
  root: string;
  providers: readonly FundamentalsProviderName[];
  strategy: CombinationStrategy;
  tolerance: number;
  ttlDays: TtlDays;
  /** `config.fundamentals.cleanup`: only `keepGood` is used here [CLEANUP_DEFAULTS]. */
  cleanup?: { keepGood?: number };
  venues: {
    fmp: { restUrl: string; apiKey?: string };
    yahoo: { restUrl: string };
    alphavantage: { restUrl: string; apiKey?: string };
  };
}

/** Requests one fetch makes, booked on the provider's rate limit. */
const REQUESTS: Record<string, number> = { fmp: 3, yahoo: 1, alphavantage: 1 };

/** A provider left out, and what to set to include it. */
export interface SkippedProvider {
  provider: FundamentalsProviderName;
  reason: string;
}

/**
 * The service for the configured providers, in their configured order. A keyed provider without
 * its key is skipped (and reported), so a user with only Yahoo still gets fundamentals.
 */
export function createFundamentalsService(
  settings: FundamentalsSettings,
  extra: Partial<FundamentalsServiceOptions> & {
    http?: HttpGet;
    /** Each provider's gate (shared Redis rate limit, breaker); without it, sources call directly. */
    gateFor?: (provider: FundamentalsProviderName) => ProviderGate;
  } = {},
): { service: FundamentalsService; skipped: SkippedProvider[] } {
  const sources: FundamentalsSource[] = [];
  const skipped: SkippedProvider[] = [];
  const { fmp, yahoo, alphavantage } = settings.venues;
  for (const name of settings.providers) {
    if (name === 'fmp') {
      if (fmp.apiKey)
        sources.push(new FmpSource({ apiKey: fmp.apiKey, baseUrl: fmp.restUrl, http: extra.http }));
      else skipped.push({ provider: name, reason: 'no API key: set FMP_API_KEY' });
    } else if (name === 'alphavantage') {
      if (alphavantage.apiKey) {
        sources.push(
          new AlphaVantageSource({
            apiKey: alphavantage.apiKey,
            baseUrl: alphavantage.restUrl,
            http: extra.http,
          }),
        );
      } else skipped.push({ provider: name, reason: 'no API key: set ALPHAVANTAGE_API_KEY' });
    } else {
      // Off Yahoo's own hosts (a mock), the cookie page is the mock's root too.
      const onYahoo = new URL(yahoo.restUrl).hostname.endsWith('yahoo.com');
      sources.push(
        new YahooSource({
          baseUrl: yahoo.restUrl,
          cookieUrl: onYahoo ? undefined : `${yahoo.restUrl}/`,
          http: extra.http,
        }),
      );
    }
  }
  const { gateFor, ...options } = extra;
  const gated = gateFor
    ? sources.map(
        (s) => new GatedSource(s, gateFor(s.name as FundamentalsProviderName), REQUESTS[s.name] ?? 1),
      )
    : sources;
  const service = new FundamentalsService({
    root: settings.root,
    sources: gated,
    strategy: settings.strategy,
    tolerance: { relative: settings.tolerance, absolute: 1e-9 },
    ttlDays: settings.ttlDays,
    ...(settings.cleanup?.keepGood === undefined ? {} : { cleanup: { keepGood: settings.cleanup.keepGood } }),
    ...options,
  });
  return { service, skipped };
}
