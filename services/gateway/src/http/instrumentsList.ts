import { streamKeys, type RedisClient } from '@tickline/bus';
import { parseInstrumentId } from '@tickline/core';

export interface InstrumentEntry {
  readonly id: string;
  readonly venue: string;
  readonly symbol: string;
  /** Where the gateway learnt of it: the configuration, the registry stream key, or both. */
  readonly sources: readonly ('config' | 'registry')[];
  readonly streams: { readonly ticks: string; readonly bars: string };
}

/** Members of the registry key `<prefix>:instruments`, whatever Redis type a writer chose for it. */
async function registryIds(redis: RedisClient, key: string): Promise<string[]> {
  switch (await redis.type(key)) {
    case 'hash':
      return redis.hkeys(key);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, 0, -1);
    default:
      return [];
  }
}

/** The configured instruments plus the registry's, each once, ids that do not parse left out. */
export async function listInstruments(
  redis: RedisClient,
  prefix: string,
  configured: readonly string[],
): Promise<InstrumentEntry[]> {
  const keys = streamKeys(prefix);
  const registry = new Set(await registryIds(redis, keys.instruments()));
  const ids = [...new Set([...configured, ...registry])].sort();
  const entries: InstrumentEntry[] = [];
  for (const id of ids) {
    let ref;
    try {
      ref = parseInstrumentId(id);
    } catch {
      continue; // a foreign registry member is not an instrument we can serve
    }
    const sources: InstrumentEntry['sources'] = [
      ...(configured.includes(id) ? (['config'] as const) : []),
      ...(registry.has(id) ? (['registry'] as const) : []),
    ];
    entries.push({
      id,
      venue: ref.venue,
      symbol: ref.symbol,
      sources,
      streams: { ticks: keys.ticks(ref), bars: keys.bars(ref, '<timeframe>') },
    });
  }
  return entries;
}
