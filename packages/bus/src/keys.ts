/**
 * Redis key naming (DESIGN.md "Streams contract"). Every key of one instrument carries the hash tag
 * `{venue:SYMBOL}`, so on Redis Cluster they share a slot and one MULTI/EXEC or Lua script may touch
 * them together.
 */
export interface InstrumentRef {
  readonly venue: string;
  readonly symbol: string;
}

const TAG_FORBIDDEN = /[{}\s]/;

/** `{binance:BTCUSDT}`: the Redis Cluster hash tag of one instrument. */
export function instrumentTag({ venue, symbol }: InstrumentRef): string {
  if (!venue || !symbol || TAG_FORBIDDEN.test(venue) || TAG_FORBIDDEN.test(symbol) || venue.includes(':')) {
    throw new Error(
      `invalid instrument for a stream key: venue=${JSON.stringify(venue)} symbol=${JSON.stringify(symbol)}`,
    );
  }
  return `{${venue}:${symbol}}`;
}

export interface StreamKeys {
  readonly prefix: string;
  /** Normalized trades of one instrument, in order. */
  ticks(instrument: InstrumentRef): string;
  /** Venue amendments of published trades (cancels, corrections): the tick stream is never rewritten. */
  corrections(instrument: InstrumentRef): string;
  /** Top-of-book quotes, apart from trades so the aggregator never reads them. */
  quotes(instrument: InstrumentRef): string;
  /** Bars of one instrument and timeframe, revisions included. */
  bars(instrument: InstrumentRef, timeframe: string): string;
  /** A consumer's committed state and stream position for one instrument (same slot as its streams). */
  checkpoint(consumer: string, instrument: InstrumentRef): string;
  /** Feed gaps of every venue. */
  gaps(): string;
  /** Rejected input of one source (a venue, a consumer). */
  dlq(source: string): string;
  /** Registry of active instruments and their streams. */
  instruments(): string;
}

export function streamKeys(prefix = 'tl'): StreamKeys {
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) throw new Error(`invalid key prefix ${JSON.stringify(prefix)}`);
  return {
    prefix,
    ticks: (i) => `${prefix}:ticks:${instrumentTag(i)}`,
    corrections: (i) => `${prefix}:corrections:${instrumentTag(i)}`,
    quotes: (i) => `${prefix}:quotes:${instrumentTag(i)}`,
    bars: (i, timeframe) => `${prefix}:bars:${instrumentTag(i)}:${timeframe}`,
    checkpoint: (consumer, i) => `${prefix}:ckpt:${consumer}:${instrumentTag(i)}`,
    gaps: () => `${prefix}:gaps`,
    dlq: (source) => `${prefix}:dlq:${source}`,
    instruments: () => `${prefix}:instruments`,
  };
}

/** The hash tag inside a key (what Redis Cluster hashes), or the whole key when it has none. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return key;
  return key.slice(open + 1, close);
}
