import { fetchHttpGet, originOf, requireApiKey, type HttpGet } from './http';

/** Options of a source that needs an API key (FMP, Alpha Vantage). */
export interface KeyedSourceOptions {
  /** From the environment, never from a config file. */
  apiKey: string;
  /** Origin of the API; a mock server's in tests [the provider's public one]. */
  baseUrl?: string;
  /** [fetch with a 10 s timeout] */
  http?: HttpGet;
}

/** Where and how a keyed source sends its requests. */
export interface KeyedEndpoint {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly http: HttpGet;
}

/** The endpoint of a keyed source; an empty key is a start-up error naming `envVar`. */
export function keyedEndpoint(
  provider: string,
  options: KeyedSourceOptions,
  defaults: { envVar: string; origin: string },
): KeyedEndpoint {
  return {
    apiKey: requireApiKey(provider, options.apiKey, defaults.envVar),
    baseUrl: originOf(options.baseUrl, defaults.origin),
    http: options.http ?? fetchHttpGet(provider),
  };
}
