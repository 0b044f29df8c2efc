import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tickline/config';
import {
  DEFAULT_BACKOFF,
  DEFAULT_WATCHDOG,
  type BackoffOptions,
  type WatchdogOptions,
} from '@tickline/venues';
import { FEED_FACTORIES } from '../src';

/** The resolved connection options a feed runs with (private: read here only to check the wiring). */
function connectionOf(feed: unknown): { backoff: BackoffOptions; watchdog: WatchdogOptions } {
  return (feed as { options: { backoff: BackoffOptions; watchdog: WatchdogOptions } }).options;
}

describe('feed factories take connection health from config.ingestor', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tl-feedcfg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("defaults to the venues package's own defaults", () => {
    const config = loadConfig({ env: {} });
    expect(config.ingestor.backoff).toEqual(DEFAULT_BACKOFF);
    const { minSilenceMs, maxSilenceMs, factor, linkTimeoutMs } = DEFAULT_WATCHDOG;
    expect(config.ingestor.watchdog).toEqual({ minSilenceMs, maxSilenceMs, factor, linkTimeoutMs });
  });

  it('hands configured backoff and watchdog settings to the Binance and Alpaca feeds', () => {
    const file = join(dir, 'tickline.yaml');
    writeFileSync(
      file,
      [
        'ingestor:',
        '  backoff: { baseMs: 250, capMs: 4000, stableAfterMs: 5000 }',
        '  watchdog: { minSilenceMs: 3000, maxSilenceMs: 9000, factor: 7, linkTimeoutMs: 45000 }',
      ].join('\n'),
    );
    const config = loadConfig({ file, env: { APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's' } });
    const onError = () => undefined;
    for (const feed of [
      FEED_FACTORIES.binance!({ config, symbols: ['BTCUSDT'], onError }),
      FEED_FACTORIES.alpaca!({ config, symbols: ['AAPL'], onError }),
    ]) {
      const { backoff, watchdog } = connectionOf(feed);
      expect(backoff).toEqual({ baseMs: 250, capMs: 4000, stableAfterMs: 5000 });
      expect(watchdog).toMatchObject({
        minSilenceMs: 3000,
        maxSilenceMs: 9000,
        factor: 7,
        linkTimeoutMs: 45000,
      });
      expect(watchdog.checkIntervalMs).toBe(DEFAULT_WATCHDOG.checkIntervalMs);
    }
  });

  it('refuses a cap below the base, naming the setting', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'ingestor:\n  backoff: { baseMs: 5000, capMs: 1000 }\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/ingestor\.backoff\.capMs.*expected capMs >= baseMs/);
  });
});
