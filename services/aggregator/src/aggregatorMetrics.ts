import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AggregatorMetrics {
  trades(instrument: string, count: number): void;
  bar(timeframe: string, kind: string): void;
  rejected(reason: string): void;
  /** Instruments whose lease this instance holds now. */
  held(count: number): void;
  refused(): void;
  /** Seconds from the XADD of the tick that closed a bar to the bar's publication (see below). */
  tickToBar(seconds: number): void;
}

/** Fine around the allowed lateness: live bars close about that long after their last trade. */
export const TICK_TO_BAR_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.05, 2.1, 2.25, 2.5, 5, 10,
];

export function aggregatorMetrics(registry: Registry): AggregatorMetrics {
  const trades = new Counter({
    name: 'tickline_aggregator_trades_total',
    help: 'Trades consumed from the tick streams (committed batches; a refused commit may count again).',
    labelNames: ['instrument'],
    registers: [registry],
  });
  const bars = new Counter({
    name: 'tickline_aggregator_bars_total',
    help: 'Bar records committed to the bar streams, by timeframe and kind (partial, final, revision).',
    labelNames: ['timeframe', 'kind'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'tickline_aggregator_rejected_total',
    help: 'Trades the aggregator did not use (sent to tl:dlq:aggregator), by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const held = new Gauge({
    name: 'tickline_aggregator_instruments_held',
    help: 'Instruments whose lease this instance holds (it works on those).',
    registers: [registry],
  });
  const refused = new Counter({
    name: 'tickline_aggregator_commit_refusals_total',
    help: 'Commits refused because another instance committed meanwhile (a handover or a stale holder).',
    registers: [registry],
  });
  // From the tick whose event time moved the watermark past the bar's end (its entry id: the ingestor's
  // XADD time) to the moment the aggregator hands the bar to its commit: the pipeline's own delay,
  // without the allowed lateness an event-time bar waits by design.
  const tickToBar = new Histogram({
    name: 'tickline_aggregator_tick_to_bar_seconds',
    help: 'From the XADD of the tick that closed a bar (made it final) to the bar being committed.',
    buckets: TICK_TO_BAR_BUCKETS,
    registers: [registry],
  });
  return {
    tickToBar: (seconds) => tickToBar.observe(seconds),
    held: (count) => held.set(count),
    refused: () => refused.inc(),
    trades: (instrument, count) => trades.inc({ instrument }, count),
    bar: (timeframe, kind) => bars.inc({ timeframe, kind }),
    rejected: (reason) => rejected.inc({ reason }),
  };
}
