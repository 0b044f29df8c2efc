import { Counter, type Registry } from 'prom-client';

export interface AggregatorMetrics {
  trades(instrument: string, count: number): void;
  bar(timeframe: string, kind: string): void;
  rejected(reason: string): void;
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
  return {
    trades: (instrument, count) => trades.inc({ instrument }, count),
    bar: (timeframe, kind) => bars.inc({ timeframe, kind }),
    rejected: (reason) => rejected.inc({ reason }),
  };
}
