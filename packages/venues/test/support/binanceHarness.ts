import { waitFor } from '@tickline/testkit';
import WebSocket from 'ws';
import { BinanceFeed, type BinanceFeedOptions } from '../../src/binance';
import { tradePayload } from '../../src/binance/mockFrames';
import { BinanceMockServer } from '../../src/binance/mockServer';
import type { FeedEvent, FeedGap } from '../../src/feed/feedEvents';

/** Small, fast settings: tests never wait on production timings. */
export const FAST = {
  backoff: { baseMs: 20, capMs: 100, stableAfterMs: 60_000 },
  // Lenient: only the stall test wants a short threshold (STALL_WATCHDOG), others must not trip it
  // when a loaded machine pauses between two steps of a test.
  watchdog: { minSilenceMs: 60_000, maxSilenceMs: 120_000, linkTimeoutMs: 120_000, checkIntervalMs: 25 },
  controlIntervalMs: 250,
  connectTimeoutMs: 2000,
};

export const STALL_WATCHDOG = {
  minSilenceMs: 300,
  maxSilenceMs: 2000,
  linkTimeoutMs: 5000,
  checkIntervalMs: 25,
};

export interface Harness {
  feed: BinanceFeed;
  events: FeedEvent[];
  trades: () => Array<{ symbol: string; id: string }>;
  gaps: () => FeedGap[];
  of: <T extends FeedEvent['type']>(type: T) => Array<Extract<FeedEvent, { type: T }>>;
}

export function startFeed(mock: BinanceMockServer, options: Partial<BinanceFeedOptions> = {}): Harness {
  const feed = new BinanceFeed({ wsUrl: mock.url, symbols: ['BTCUSDT'], quotes: false, ...FAST, ...options });
  const events: FeedEvent[] = [];
  feed.onEvent((e) => events.push(e));
  void feed.start();
  const of = <T extends FeedEvent['type']>(type: T) =>
    events.filter((e): e is Extract<FeedEvent, { type: T }> => e.type === type);
  return {
    feed,
    events,
    of,
    trades: () => of('trade').map((e) => ({ symbol: e.trade.symbol, id: e.trade.id })),
    gaps: () => of('gap').map((e) => e.gap),
  };
}

/** Publishes trades with ids from..to (inclusive) on `<symbol>@trade`. */
export function publishTrades(mock: BinanceMockServer, from: number, to: number, symbol = 'BTCUSDT'): void {
  for (let id = from; id <= to; id++) {
    const payload = tradePayload({ symbol, id, price: '61837.63', qty: '0.01', time: 1723161255000 + id });
    mock.publish(`${symbol.toLowerCase()}@trade`, payload);
  }
}

export const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(check, { what, timeoutMs, intervalMs: 10 });
}

/** A bare client, for protocol tests of the mock itself. */
export async function rawClient(url: string): Promise<{ ws: WebSocket; next: () => Promise<string> }> {
  const ws = new WebSocket(url);
  const queue: string[] = [];
  const waiters: Array<(s: string) => void> = [];
  ws.on('message', (data: Buffer) => {
    const text = data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(text);
    else queue.push(text);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = () => {
    const queued = queue.shift();
    return queued !== undefined
      ? Promise.resolve(queued)
      : new Promise<string>((resolve) => waiters.push(resolve));
  };
  return { ws, next };
}

export interface MockContext {
  mock: BinanceMockServer;
  h: Harness;
}

/** A fresh mock per test; after it, the feed is stopped, must close every socket, and the mock closes. */
export function useBinanceMock(): MockContext {
  const t = {} as MockContext;
  beforeEach(async () => {
    t.mock = await BinanceMockServer.start();
  });
  afterEach(async () => {
    await t.h.feed.stop();
    await until(() => t.mock.openConnections.length === 0, 'every connection closed by stop()');
    await t.mock.close();
  });
  return t;
}
