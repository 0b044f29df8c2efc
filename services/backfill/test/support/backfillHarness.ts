import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { msgpackCodec, streamKeys } from '@tickline/bus';
import { loadConfig, type TicklineConfig } from '@tickline/config';
import type { Bar, Timeframe } from '@tickline/core';
import { syntheticBar, syntheticStarts } from '@tickline/history';
import type Redis from 'ioredis';

export const DAY = 86_400_000;
/** A whole-day start well in the past (the mocks serve nothing after now). */
export const T0 = Date.UTC(2026, 0, 1);

/** Tickline's environment for a test: metrics on a free port, quiet logs, plus `env`. */
export function testEnv(env: Record<string, string>): Record<string, string> {
  return { TICKLINE_METRICS_PORT: '0', TICKLINE_LOG_LEVEL: 'warn', ...env };
}

/** A config file (JSON) in a temp dir of its own, for a child process's TICKLINE_CONFIG. */
export function configFile(content: Record<string, unknown>): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tickline-backfill-'));
  const path = join(dir, 'tickline.json');
  writeFileSync(path, JSON.stringify(content));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The parsed config of a test: defaults, the given environment, and `file` as a config file (backfill
 * settings have no environment variables).
 */
export function testConfig(env: Record<string, string>, file: Record<string, unknown> = {}): TicklineConfig {
  const written = configFile(file);
  try {
    return loadConfig({ file: written.path, env: testEnv(env) });
  } finally {
    written.remove();
  }
}

/** Every bar on a bar stream, in stream order. */
export async function streamBars(
  redis: Redis,
  prefix: string,
  symbol: string,
  timeframe: Timeframe,
): Promise<Bar[]> {
  const key = streamKeys(prefix).bars({ venue: 'binance', symbol }, timeframe);
  const entries = await redis.xrangeBuffer(key, '-', '+');
  const bars: Bar[] = [];
  for (const [, fields] of entries) {
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i]!.toString() === 'd') bars.push(...(msgpackCodec.decode(fields[i + 1]!) as Bar[]));
    }
  }
  return bars;
}

/** What the Binance mock serves for [from, to): start and OHLCV of each kline. */
export function servedBars(symbol: string, timeframe: Timeframe, from: number, to: number) {
  return syntheticStarts(timeframe, from, to, '24/7').map((start) => {
    const { open, high, low, close, volume, trades } = syntheticBar(symbol, timeframe, start);
    return { start, open, high, low, close, volume, trades };
  });
}

/** The fields of `bars` servedBars() gives, to compare with it. */
export function ohlcvOf(bars: readonly Bar[]) {
  return bars.map(({ start, open, high, low, close, volume, trades }) => ({
    start,
    open,
    high,
    low,
    close,
    volume,
    trades,
  }));
}
