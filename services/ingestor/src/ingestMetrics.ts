import { Counter, type Registry } from 'prom-client';
import { BucketedHistogram } from './bucketedHistogram';
import { registerSpoolMetrics, type PublisherSnapshot } from './spoolMetrics';

/** What the ingestor counts; the prom-client implementation is {@link registerIngestMetrics}. */
export interface IngestMetrics {
  trade(venue: string, symbol: string): void;
  reject(venue: string, reason: string): void;
  reconnect(venue: string): void;
  gap(venue: string): void;
  /** Seconds from a trade's venue event time to the XADD acknowledgement of its entry. */
  latency(seconds: number): void;
  /** Where the publisher and spool gauges read from on each scrape (zeros until set). */
  watchPublisher(read: () => PublisherSnapshot): void;
}

/**
 * Reject reasons are free text naming the field and value; the metric label is its class, so the
 * series count stays bounded. The full reason is in the DLQ entry.
 */
export function rejectReasonClass(reason: string): string {
  if (/^invalid JSON|^expected a JSON object/i.test(reason)) return 'bad_json';
  if (/^unknown symbol/.test(reason)) return 'unknown_symbol';
  if (/^unknown stream|is not a mapped channel|is not mapped|no event type/.test(reason)) return 'unmapped';
  if (/^(trade|aggTrade|bookTicker|quote|bar)\b|combined envelope|carries symbol/.test(reason))
    return 'invalid_field';
  return 'other';
}

/** Latency buckets: sub-millisecond up to a minute (a replay of an old session sits in +Inf). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60];

/** Registers the ingestor's metrics on the process registry. */
export function registerIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  // Counted in plain numbers per trade and handed to prom-client when it collects: a labelled
  // `inc()` (~0.5 µs) per trade was a tenth of a trade's whole cost.
  const pending = new Map<string, Map<string, number>>();
  const trades = new Counter({
    name: 'tickline_ingest_trades_total',
    help: 'Trades published to tick streams.',
    labelNames: ['venue', 'symbol'],
    registers,
    collect() {
      for (const [venue, bySymbol] of pending) {
        for (const [symbol, n] of bySymbol) {
          if (n > 0) trades.labels(venue, symbol).inc(n);
          bySymbol.set(symbol, 0);
        }
      }
    },
  });
  const rejects = new Counter({
    name: 'tickline_ingest_rejects_total',
    help: 'Frames rejected to the DLQ, by reason class (bad_json, unknown_symbol, unmapped, invalid_field, other).',
    labelNames: ['venue', 'reason'],
    registers,
  });
  const reconnects = new Counter({
    name: 'tickline_ingest_reconnects_total',
    help: 'Connections lost unexpectedly (each is followed by a reconnect with backoff).',
    labelNames: ['venue'],
    registers,
  });
  const gaps = new Counter({
    name: 'tickline_ingest_gaps_total',
    help: 'Gaps published to the gaps stream.',
    labelNames: ['venue'],
    registers,
  });
  let readPublisher = (): PublisherSnapshot => ({ buffered: 0, spool: undefined, dropped: 0, now: 0 });
  registerSpoolMetrics(registry, () => readPublisher());
  const latency = new BucketedHistogram(
    'tickline_ingest_latency_seconds',
    'Venue event time of a trade to the XADD acknowledgement of its entry.',
    LATENCY_BUCKETS,
    registry,
  );
  return {
    trade(venue, symbol) {
      let bySymbol = pending.get(venue);
      if (bySymbol === undefined) pending.set(venue, (bySymbol = new Map<string, number>()));
      bySymbol.set(symbol, (bySymbol.get(symbol) ?? 0) + 1);
    },
    reject: (venue, reason) => rejects.labels(venue, rejectReasonClass(reason)).inc(),
    reconnect: (venue) => reconnects.labels(venue).inc(),
    gap: (venue) => gaps.labels(venue).inc(),
    latency: (seconds) => latency.observe(seconds),
    watchPublisher: (read) => (readPublisher = read),
  };
}
