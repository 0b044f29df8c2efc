import { waitFor } from '@tickline/testkit';
import { AlpacaFeed, type AlpacaFeedOptions } from '../../src/alpaca';
import type { AlpacaMockServer } from '../../src/alpaca/mockServer';
import type { FeedEvent } from '../../src/feed/feedEvents';
import { FAST } from './binanceHarness';

export const KEY = { keyId: 'mock-key-id', secretKey: 'mock-secret-key' };

export interface AlpacaHarness {
  feed: AlpacaFeed;
  events: FeedEvent[];
  of: <T extends FeedEvent['type']>(type: T) => Array<Extract<FeedEvent, { type: T }>>;
}

/** A feed on the mock with millisecond backoffs; auth and connection-limit waits are set per test. */
export function startAlpacaFeed(
  mock: AlpacaMockServer,
  options: Partial<AlpacaFeedOptions> = {},
): AlpacaHarness {
  const feed = new AlpacaFeed({
    wsUrl: mock.url,
    symbols: ['AAPL', 'MSFT'],
    ...KEY,
    ...FAST,
    authRetryMs: 50,
    connectionLimitRetryMs: 50,
    controlIntervalMs: 5,
    ...options,
  });
  const events: FeedEvent[] = [];
  feed.onEvent((e) => events.push(e));
  void feed.start();
  const of = <T extends FeedEvent['type']>(type: T) =>
    events.filter((e): e is Extract<FeedEvent, { type: T }> => e.type === type);
  return { feed, events, of };
}

export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(check, { what, timeoutMs, intervalMs: 5 });
}
