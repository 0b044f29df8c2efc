import { ENTRY_SCHEMA_VERSION, msgpackCodec, type StreamKeys } from '@tickline/bus';
import type { Bar } from '@tickline/core';
import type { Cluster, Redis } from 'ioredis';

// Records per entry, as the aggregator lays out its bar entries.
const BARS_PER_ENTRY = 256;

/**
 * Hands bars to the sink: XADD onto the instrument's bar stream (`tl:bars:{venue:SYMBOL}:tf`), the
 * same streams and entry format (`v`, `n`, `d` = msgpack array) the aggregator writes, with `*` ids so
 * the aggregator's own entries are never disturbed. The bars' `source` and `revision` tell the sink's
 * precedence rule what they are. One pipeline per call; bars of one series.
 */
export async function publishBars(
  redis: Redis | Cluster,
  keys: StreamKeys,
  bars: readonly Bar[],
): Promise<number> {
  if (bars.length === 0) return 0;
  const pipeline = redis.pipeline();
  let entries = 0;
  for (let i = 0; i < bars.length; i += BARS_PER_ENTRY) {
    const chunk = bars.slice(i, i + BARS_PER_ENTRY);
    const first = chunk[0]!;
    const key = keys.bars({ venue: first.venue, symbol: first.symbol }, first.timeframe);
    pipeline.xadd(
      key,
      '*',
      'v',
      String(ENTRY_SCHEMA_VERSION),
      'n',
      String(chunk.length),
      'd',
      msgpackCodec.encode(chunk),
    );
    entries++;
  }
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([error]) => error !== null);
  if (failed) throw new Error(`publishing backfilled bars failed: ${String(failed[0])}`);
  return entries;
}
