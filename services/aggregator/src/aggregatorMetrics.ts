import { Counter, Gauge, type Registry } from 'prom-client';

export interface AggregatorMetrics {
  trades(instrument: string, count: number): void;
  bar(timeframe: string, kind: string): void;
  rejected(reason: string): void;
  /** Instruments whose lease this instance holds now. */
  held(count: number): void;
  refused(): void;
}

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
  return {
    held: (count) => held.set(count),
    refused: () => refused.inc(),
    trades: (instrument, count) => trades.inc({ instrument }, count),
    bar: (timeframe, kind) => bars.inc({ timeframe, kind }),
    rejected: (reason) => rejected.inc({ reason }),
  };
}
