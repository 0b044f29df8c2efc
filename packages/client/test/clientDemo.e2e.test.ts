import type { Bar } from '@tickline/core';
import { readCachedBars } from '@tickline/storage';
import { redisTestContext, redisUrl, spawnTs, waitFor, type RedisTestContext } from '@tickline/testkit';
import { join } from 'node:path';
import { createClient, type BarEvent } from '../src';
import { gather } from './clientHarness';
import { tempRoot } from '../../storage/test/tempRoot';

const MAIN = join(__dirname, '..', '..', 'cli', 'src', 'main.ts');
const SESSION = { from: Date.UTC(2024, 7, 8), to: Date.UTC(2024, 7, 10) };

let context: RedisTestContext;
let cache: ReturnType<typeof tempRoot>;
beforeAll(() => {
  context = redisTestContext('tlclient');
  cache = tempRoot();
});
afterAll(async () => {
  await context.cleanup();
  cache.remove();
});

/** A bar as the file cache keeps it: without `notional` (live bars carry it, the cache has no column). */
const cached = ({ notional: _notional, ...bar }: Bar) => bar;

/** The newest final version per bar start, as a subscriber that applies updates ends up holding. */
function applied(events: readonly BarEvent[]): Omit<Bar, 'notional'>[] {
  const latest = new Map<number, Bar>();
  for (const e of events) if (e.kind !== 'partial') latest.set(e.bar.start, e.bar);
  return [...latest.values()].sort((a, b) => a.start - b.start).map(cached);
}

test('a subscriber during `tickline demo` gets every final bar once, as the store holds them afterwards', async () => {
  const client = createClient({ prefix: context.prefix, cacheDir: cache.root, blockMs: 200 });
  const demo = spawnTs(MAIN, ['demo', '--speed', '20', '--limit', '3000', '--exit'], {
    REDIS_URL: redisUrl(),
    TICKLINE_GATEWAY_PORT: '0',
    TICKLINE_PREFIX: context.prefix,
    TICKLINE_CACHE_DIR: cache.root,
    TICKLINE_LOG_LEVEL: 'silent',
  });
  try {
    await demo.waitForStdout(/demo: replaying/, 60_000);
    const early = gather(client.bars('binance:BTCUSDT', '1m', { from: SESSION.from }));
    // A second subscriber once the sink has stored bars: its history comes from the cache, the rest live.
    await demo.waitForStdout(/bars stored [1-9]/, 60_000);
    const late = gather(client.bars('binance:BTCUSDT', '1m', { from: SESSION.from, partial: true }));
    const { code } = await demo.exited;
    expect({ code, stderr: demo.stderr() }).toEqual({ code: 0, stderr: '' });

    const stored = await readCachedBars(cache.root, {
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframe: '1m',
      ...SESSION,
    });
    expect(stored.length).toBeGreaterThan(0);
    const last = stored[stored.length - 1]!;
    for (const subscriber of [early, late]) {
      await waitFor(() => subscriber.values.some((e) => e.bar.start === last.start && e.bar.final), {
        timeoutMs: 20_000,
        what: 'the last 1m bar of the session at the subscriber',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    for (const subscriber of [early, late]) {
      const events = subscriber.stop();
      expect(subscriber.errors).toEqual([]);
      const bars = events.filter((e) => e.kind === 'bar').map((e) => e.bar.start);
      expect(new Set(bars).size).toBe(bars.length); // each key once as `bar`; corrections come as `revision`
      expect(bars).toEqual([...bars].sort((a, b) => a - b)); // in order
      expect(applied(events)).toEqual(stored.map(cached));
    }
    expect(late.values.some((e) => e.origin === 'history')).toBe(true);
  } finally {
    demo.child.kill('SIGKILL');
    await client.close();
  }
}, 120_000);
