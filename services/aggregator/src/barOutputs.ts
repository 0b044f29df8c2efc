import type { AggregationEvent, RejectionEvent } from '@tickline/aggregation';
import { ENTRY_SCHEMA_VERSION, msgpackCodec, type OutputEntry, type StreamKeys } from '@tickline/bus';
import type { Bar, InstrumentRef } from '@tickline/core';

/** What one batch of aggregation events turns into. */
export interface BatchOutputs {
  /** Entries for the instrument's bar streams (same hash tag as its tick stream). */
  readonly entries: OutputEntry[];
  /** Bar records per timeframe and kind, for metrics. */
  readonly bars: Array<{ timeframe: string; kind: 'partial' | 'final' | 'revision' }>;
  readonly rejected: RejectionEvent[];
}

/**
 * Turns aggregation events into bar-stream entries in the bus's entry format (`v`, `n`, `d` with an array of
 * records), at most `maxPerEntry` bars each, in event order per timeframe. Partial events are kept only when
 * `partials` is on; missing events carry no record (the bars' quality reports gaps).
 */
export function batchOutputs(
  events: readonly AggregationEvent[],
  keys: StreamKeys,
  instrument: InstrumentRef,
  options: { partials: boolean; maxPerEntry: number },
): BatchOutputs {
  const perTimeframe = new Map<string, Bar[]>();
  const bars: BatchOutputs['bars'] = [];
  const rejected: RejectionEvent[] = [];
  for (const event of events) {
    if (event.kind === 'rejected') rejected.push(event);
    else if (
      event.kind === 'final' ||
      event.kind === 'revision' ||
      (event.kind === 'partial' && options.partials)
    ) {
      const list = perTimeframe.get(event.bar.timeframe) ?? [];
      if (list.length === 0) perTimeframe.set(event.bar.timeframe, list);
      list.push(event.bar);
      bars.push({ timeframe: event.bar.timeframe, kind: event.kind });
    }
  }
  const entries: OutputEntry[] = [];
  for (const [timeframe, list] of perTimeframe) {
    const stream = keys.bars(instrument, timeframe);
    for (let i = 0; i < list.length; i += options.maxPerEntry) {
      const chunk = list.slice(i, i + options.maxPerEntry);
      entries.push({
        stream,
        fields: {
          v: String(ENTRY_SCHEMA_VERSION),
          n: String(chunk.length),
          d: msgpackCodec.encode(chunk),
        },
      });
    }
  }
  return { entries, bars, rejected };
}
