import { FeedBase, emptyFeedStats } from '../src/feed/feedBase';
import type { FeedEvent } from '../src/feed/feedEvents';
import type { WsCloseInfo } from '../src/feed/wsConnection';

/** The smallest venue: counts how often it was asked to open and close. */
class CountingFeed extends FeedBase {
  readonly venue = 'binance' as const;
  opened = 0;
  closed = 0;
  constructor(onError: (error: unknown) => void = () => undefined) {
    super(emptyFeedStats(), onError);
  }
  protected open(): void {
    this.opened += 1;
  }
  protected close(): Promise<void> {
    this.closed += 1;
    return Promise.resolve();
  }
  setSymbols(): void {}
  simulateClose(info: WsCloseInfo, unexpected: boolean): void {
    this.reportClose('c#1', info, unexpected, info.retryInMs);
  }
  isRunning(): boolean {
    return this.running;
  }
}

const info = (o: Partial<WsCloseInfo>): WsCloseInfo => ({
  at: 5,
  cause: 'reconnect',
  reason: 'closed with code 1006',
  planned: false,
  wasOpen: true,
  ...o,
});

describe('FeedBase lifecycle', () => {
  it('opens once however often started, closes once however often stopped, never starts again', async () => {
    const feed = new CountingFeed();
    expect(feed.isRunning()).toBe(false);
    await feed.start();
    await feed.start();
    expect(feed.opened).toBe(1);
    expect(feed.isRunning()).toBe(true);
    const first = feed.stop();
    expect(feed.stop()).toBe(first);
    await first;
    expect(feed.closed).toBe(1);
    expect(feed.isRunning()).toBe(false);
    await expect(feed.start()).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'binance feed was stopped',
    });
    expect(feed.opened).toBe(1);
  });

  it('stop before start closes without ever opening', async () => {
    const feed = new CountingFeed();
    await feed.stop();
    expect([feed.opened, feed.closed]).toEqual([0, 1]);
  });

  it('reports closes that matter, counts the unexpected ones, and keeps a throwing listener away from others', () => {
    const errors: unknown[] = [];
    const feed = new CountingFeed((e) => errors.push(e));
    const events: FeedEvent[] = [];
    feed.onEvent(() => {
      throw new Error('listener bug');
    });
    feed.onEvent((e) => events.push(e));
    feed.simulateClose(info({ planned: true, wasOpen: false }), false); // a planned close of a socket never opened
    feed.simulateClose(info({ retryInMs: 40 }), true);
    feed.simulateClose(info({ planned: true }), false);
    expect(events.map((e) => e.type === 'disconnected' && [e.unexpected, e.retryInMs])).toEqual([
      [true, 40],
      [false, undefined],
    ]);
    expect(feed.stats().disconnects).toBe(1);
    expect(errors).toHaveLength(2);
  });
});
