import { type Trade } from '@tickline/core';
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { type AggregationEvent } from './events';
import { type TimeBarAggregator } from './timeBarAggregator';

export interface AggregateBarsOptions {
  /**
   * Publish the open bars as 'partial' events after a batch, at most once per this many ms of `clock`
   * (0: after every batch). Default: no partials.
   */
  partialsEveryMs?: number;
  /** Wall clock for the partials' rate; default Date.now. Event time never comes from it. */
  clock?: () => number;
  /**
   * Watermarks from outside (a service's wall clock minus the allowed lateness): each one closes the
   * bars of a quiet instrument through advanceTo(). Default: none, time moves with the trades only.
   */
  watermarks?: Observable<number>;
  /** When the trades complete, make every open bar final (replay). Default true. */
  flushOnComplete?: boolean;
}

/**
 * The live shell around one instrument's TimeBarAggregator: batches of trades in, one array of events
 * out per batch that produced any (final bars, revisions, missing intervals, rejections, partials).
 * RxJS carries whole batches, never single trades: the per-trade work stays in the core's loops (one
 * emission per trade costs more than aggregating it). The aggregator is used in place, so its caller
 * can snapshot it between batches; errors thrown by the core end the stream.
 */
export function aggregateBars(
  aggregator: TimeBarAggregator,
  options: AggregateBarsOptions = {},
): OperatorFunction<readonly Trade[], readonly AggregationEvent[]> {
  const { partialsEveryMs, clock = Date.now, watermarks, flushOnComplete = true } = options;
  return (trades) =>
    new Observable<readonly AggregationEvent[]>((subscriber) => {
      let lastPartials = -Infinity;
      const emit = (work: (out: AggregationEvent[]) => void): void => {
        const out: AggregationEvent[] = [];
        try {
          work(out);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        if (out.length > 0) subscriber.next(out);
      };
      const partials = (out: AggregationEvent[]): void => {
        if (partialsEveryMs === undefined) return;
        const now = clock();
        if (now - lastPartials < partialsEveryMs) return;
        lastPartials = now;
        aggregator.partials(out);
      };
      const subscriptions: Subscription[] = [];
      if (watermarks !== undefined) {
        subscriptions.push(
          watermarks.subscribe({
            next: (watermark) => emit((out) => aggregator.advanceTo(watermark, out)),
            error: (error: unknown) => subscriber.error(error),
          }),
        );
      }
      subscriptions.push(
        trades.subscribe({
          next: (batch) =>
            emit((out) => {
              aggregator.pushAll(batch, out);
              partials(out);
            }),
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            if (flushOnComplete) emit((out) => aggregator.flush(out));
            subscriber.complete();
          },
        }),
      );
      return () => {
        for (const subscription of subscriptions) subscription.unsubscribe();
      };
    });
}
