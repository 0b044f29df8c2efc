import { BinanceMockServer } from '../src/binance/mockServer';
import { join } from 'node:path';
import { readBinanceRecording } from '../src/binance/binanceRecording';
import type { RecordedFrame } from '../src/recording/recordingFile';
import {
  STALL_WATCHDOG,
  publishTrades,
  range,
  startFeed,
  until,
  useBinanceMock,
} from './support/binanceHarness';

const t = useBinanceMock();

/**
 * Plays like a live venue through a drop (frames sent while the feed is away are lost) but, to keep
 * the test independent of timing, holds the replay after `lost` such frames until the feed is back.
 */
async function* pauseWhileDisconnected(frames: AsyncIterable<RecordedFrame>, lost: number) {
  let away = 0;
  for await (const frame of frames) {
    const connected = t.mock.openConnections.some((c) => c.streams.includes('ethusdt@trade'));
    away = connected ? 0 : away + 1;
    if (away > lost) {
      await t.mock.waitForSubscription('ethusdt@trade');
      away = 0;
    }
    yield frame;
  }
}

async function connected(stream = 'btcusdt@trade') {
  await t.mock.waitForSubscription(stream);
}

describe('BinanceFeed against the mock', () => {
  it('delivers trades in order as valid core trades, nothing else', async () => {
    t.h = startFeed(t.mock);
    await connected();
    publishTrades(t.mock, 1, 100);
    await until(() => t.h.trades().length === 100, '100 trades');
    expect(t.h.trades().map((t) => t.id)).toEqual(range(1, 100));
    expect(t.h.of('trade')[0]!.trade).toMatchObject({
      venue: 'binance',
      symbol: 'BTCUSDT',
      price: 61837.63,
      side: 'buy',
    });
    expect(t.h.gaps()).toEqual([]);
    expect(t.h.of('reject')).toEqual([]);
    expect(t.h.of('connected')[0]!.url).toBe(`${t.mock.url}/stream?streams=btcusdt@trade`);
  });

  it('answers server pings with the payload echoed (ws autoPong)', async () => {
    await t.mock.close();
    t.mock = await BinanceMockServer.start({ pingIntervalMs: 20 });
    t.h = startFeed(t.mock);
    await until(() => (t.mock.connections[0]?.pongs ?? 0) >= 3, 'three pongs');
    expect(t.mock.connections[0]!.badPongs).toBe(0);
  });

  it('a drop mid-stream: reconnects with backoff and reports the exact missing ids', async () => {
    t.h = startFeed(t.mock);
    await connected();
    t.mock.faults.closeAfterMessages = 50;
    publishTrades(t.mock, 1, 100); // 51..100 go out while the feed is cut off
    t.mock.faults.closeAfterMessages = undefined;
    await until(
      () => t.mock.openConnections.length === 1 && t.mock.connections.length === 2,
      'the reconnect',
    );
    await connected();
    publishTrades(t.mock, 101, 150);
    await until(() => t.h.trades().length === 100, 'trades after the reconnect');

    expect(t.h.trades().map((t) => t.id)).toEqual([...range(1, 50), ...range(101, 150)]);
    const [disconnect] = t.h.of('disconnected');
    expect(disconnect).toMatchObject({ unexpected: true, cause: 'reconnect', connection: 'binance#1.1' });
    expect(disconnect!.retryInMs).toBeGreaterThanOrEqual(0);
    expect(disconnect!.retryInMs).toBeLessThan(20);
    const gaps = t.h.gaps();
    expect(gaps.find((g) => g.fromId !== undefined)).toMatchObject({
      symbols: ['BTCUSDT'],
      cause: 'reconnect',
      fromId: '51',
      toId: '100',
      missing: 50,
      fromTs: 1723161255050,
      toTs: 1723161255101,
    });
    const outage = gaps.find((g) => g.fromId === undefined)!;
    expect(outage).toMatchObject({ symbols: ['BTCUSDT'], cause: 'reconnect' });
    expect(outage.toTs).toBeGreaterThanOrEqual(outage.fromTs);
  });

  it('a stall (socket open, nothing sent) trips the watchdog, which reconnects and reports the hole', async () => {
    t.h = startFeed(t.mock, { watchdog: STALL_WATCHDOG });
    await connected();
    publishTrades(t.mock, 1, 20);
    await until(() => t.h.trades().length === 20, 'first trades');
    t.mock.stallConnections(60_000);
    publishTrades(t.mock, 21, 30); // swallowed by the stalled connection
    await until(
      () => t.mock.openConnections.length === 1 && t.mock.connections.length === 2,
      'the watchdog reconnect',
    );
    await connected();
    publishTrades(t.mock, 31, 40);
    await until(() => t.h.trades().length === 30, 'trades after the stall');

    expect(t.h.of('disconnected')[0]).toMatchObject({ cause: 'stale', unexpected: true });
    expect(t.h.of('disconnected')[0]!.reason).toMatch(/^no data for \d+ ms \(threshold \d+ ms\)$/);
    expect(t.h.gaps().find((g) => g.fromId !== undefined)).toMatchObject({
      cause: 'stale',
      fromId: '21',
      toId: '30',
    });
    expect(t.h.gaps().find((g) => g.fromId === undefined)).toMatchObject({ cause: 'stale' });
  });

  it('malformed frames are rejected with the raw payload and a reason, and the feed carries on', async () => {
    t.mock.faults.malformedRate = 0.3;
    t.h = startFeed(t.mock);
    await connected();
    publishTrades(t.mock, 1, 200);
    const injected = () => t.mock.connections[0]!.malformedSent;
    await until(
      () => t.h.trades().length === 200 && t.h.of('reject').length === injected(),
      'trades and rejects',
    );

    expect(injected()).toBeGreaterThan(20);
    expect(t.h.trades().map((t) => t.id)).toEqual(range(1, 200));
    expect(t.h.gaps()).toEqual([]);
    const reasons = t.h.of('reject').map((e) => e.reject.reason);
    expect(reasons.every((r) => r.length > 0)).toBe(true);
    const families = new Set(reasons.map((r) => r.split(/[:(]/)[0]));
    expect([...families].sort()).toEqual(
      expect.arrayContaining(['invalid JSON', 'trade', 'unknown symbol "ZZZNOTLISTED"']),
    );
    for (const e of t.h.of('reject')) expect(e.reject.raw).toMatch(/^\{"stream":/);
  });

  it('skipped trade ids are reported as sequence gaps with exact ranges and times', async () => {
    t.mock.faults.skipTradeIds = [[10, 12], 50];
    t.h = startFeed(t.mock);
    await connected();
    publishTrades(t.mock, 1, 60);
    await until(() => t.h.trades().length === 56, '56 trades');
    expect(t.h.gaps()).toEqual([
      expect.objectContaining({
        cause: 'sequence',
        fromId: '10',
        toId: '12',
        missing: 3,
        fromTs: 1723161255009,
        toTs: 1723161255013,
      }),
      expect.objectContaining({ cause: 'sequence', fromId: '50', toId: '50', missing: 1 }),
    ]);
  });

  it('keeps retrying while connections are refused, without reporting a gap it never had', async () => {
    t.mock.refuseConnectionsFor(300);
    t.h = startFeed(t.mock);
    await connected();
    expect(t.mock.stats.refused).toBeGreaterThan(0);
    const failures = t.h.of('disconnected');
    expect(failures.length).toBe(t.mock.stats.refused);
    expect(failures[0]!.reason).toMatch(/503/);
    expect(t.h.gaps()).toEqual([]);
  });

  it('replays the real 11-minute session with drops: every id arrives once, in order, or is in a gap', async () => {
    t.mock.faults.closeAfterMessages = 4000;
    t.h = startFeed(t.mock, { symbols: ['ETHUSDT'] });
    const file = join(
      __dirname,
      '../data/binance/spot_ETHUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
    );
    await t.mock.replay(pauseWhileDisconnected(readBinanceRecording(file), 100), { speed: 'max' });
    t.mock.faults.closeAfterMessages = undefined;
    const sent = () => t.mock.connections.reduce((n, c) => n + c.sent, 0);
    await until(() => t.h.trades().length === sent(), 'every sent trade');

    const ids = t.h.trades().map((t) => Number(t.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    const covered = [...ids];
    for (const g of t.h.gaps().filter((x) => x.fromId !== undefined)) {
      for (let id = Number(g.fromId); id <= Number(g.toId); id++) covered.push(id);
    }
    covered.sort((a, b) => a - b);
    expect(covered[0]).toBe(1520538925);
    expect(covered.every((id, i) => id === 1520538925 + i)).toBe(true);
    expect(t.mock.connections.length).toBe(4);
    // Three drops; a drop shows as an id gap unless the feed was back before the next frame.
    const idGaps = t.h.gaps().filter((g) => g.fromId !== undefined);
    expect(idGaps.length).toBeGreaterThanOrEqual(1);
    expect(idGaps.length).toBeLessThanOrEqual(3);
    expect(idGaps.every((g) => g.cause === 'reconnect' && g.missing! <= 101)).toBe(true);
  });
});
