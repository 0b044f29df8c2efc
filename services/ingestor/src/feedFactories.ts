import type { TicklineConfig } from '@tickline/config';
import type { Venue } from '@tickline/core';
import { AlpacaFeed, BinanceFeed, type LiveFeed } from '@tickline/venues';

/** What a factory gets to build one venue's feed. */
export interface FeedFactoryContext {
  readonly config: TicklineConfig;
  /** Canonical symbols of this venue from `config.instruments`. */
  readonly symbols: readonly string[];
  /** Background errors of the feed (a throwing listener, a failed send): logged by the ingestor. */
  readonly onError: (error: unknown) => void;
}

export type FeedFactory = (context: FeedFactoryContext) => LiveFeed;

/** Venue to feed factory. Adding a venue is one entry here (its feed options come from `config.venues`). */
export type FeedFactories = Readonly<Partial<Record<Venue, FeedFactory>>>;

export const FEED_FACTORIES: FeedFactories = {
  binance: ({ config, symbols, onError }) =>
    new BinanceFeed({ wsUrl: config.venues.binance.wsUrl, symbols, onError, ...config.ingestor }),
  alpaca: ({ config, symbols, onError }) => {
    const { wsUrl, feed, apiKey, apiSecret } = config.venues.alpaca;
    if (!apiKey || !apiSecret) {
      throw new Error(
        `alpaca instruments (${symbols.join(', ')}) need APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment`,
      );
    }
    return new AlpacaFeed({
      wsUrl,
      feed,
      symbols,
      keyId: apiKey,
      secretKey: apiSecret,
      onError,
      ...config.ingestor,
    });
  },
};

/** `config.instruments` (`venue:SYMBOL`) grouped by venue, in configured order. */
export function symbolsByVenue(instruments: readonly string[]): Map<string, string[]> {
  const byVenue = new Map<string, string[]>();
  for (const id of instruments) {
    const colon = id.indexOf(':');
    const venue = id.slice(0, colon);
    const list = byVenue.get(venue) ?? [];
    list.push(id.slice(colon + 1));
    byVenue.set(venue, list);
  }
  return byVenue;
}
