import type { Bar } from '@tickline/core';
import { precedenceKey } from '@tickline/storage';
import type { BarEvent, BarOrigin } from './barEvent';

export interface BarStitcherOptions {
  /** Bars starting before this are dropped (epoch ms). Default: none. */
  readonly from?: number;
  /** Pass partial (not yet final) bars on. Default false. */
  readonly partial?: boolean;
  /** Bar keys remembered for de-duplication, newest kept. Default 100000. */
  readonly maxTracked?: number;
}

export const STITCHER_DEFAULTS = { maxTracked: 100_000 } as const;

/** The storage precedence (revision, then final, then live over provider) as one comparable number. */
export function precedenceRank(bar: Pick<Bar, 'revision' | 'final' | 'source'>): number {
  const [revision, final, live] = precedenceKey(bar);
  return revision * 4 + final * 2 + live;
}

/**
 * The seam between history and the live stream, pure: history from the store and the stream read from a
 * point at or before what the store holds overlap, so every bar offered is checked against what was already
 * delivered for its key (start). A final version is delivered only when it outranks the delivered one.
 * Memory is bounded: only the newest `maxTracked` keys are remembered, enough as long as the store lags the
 * stream by fewer bars than that.
 */
export class BarStitcher {
  /** Delivered final rank per bar start, in insertion order (oldest first) for eviction. */
  private readonly finals = new Map<number, number>();
  private readonly maxTracked: number;
  private newest: number | undefined;

  constructor(private readonly options: BarStitcherOptions = {}) {
    this.maxTracked = options.maxTracked ?? STITCHER_DEFAULTS.maxTracked;
  }

  /** The event to deliver for `bar`, or undefined when it is before `from`, a repeat or outranked. */
  offer(bar: Bar, origin: BarOrigin): BarEvent | undefined {
    if (this.options.from !== undefined && bar.start < this.options.from) return undefined;
    const delivered = this.finals.get(bar.start);
    if (!bar.final) {
      return this.options.partial && delivered === undefined ? { kind: 'partial', bar, origin } : undefined;
    }
    const rank = precedenceRank(bar);
    if (delivered !== undefined && rank <= delivered) return undefined;
    this.remember(bar.start, rank);
    if (this.newest === undefined || bar.start > this.newest) this.newest = bar.start;
    return { kind: delivered === undefined ? 'bar' : 'revision', bar, origin };
  }

  /** The latest start of a final bar delivered, if any: where a gap's history re-read is anchored. */
  get newestStart(): number | undefined {
    return this.newest;
  }

  /** How many bar keys are remembered. */
  get tracked(): number {
    return this.finals.size;
  }

  private remember(start: number, rank: number): void {
    this.finals.delete(start);
    this.finals.set(start, rank);
    if (this.finals.size <= this.maxTracked) return;
    const oldest = this.finals.keys().next();
    if (!oldest.done) this.finals.delete(oldest.value);
  }
}
