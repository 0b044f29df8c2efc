import type { BarEvent, TicklineClient } from '@tickline/client';
import type { Trade } from '@tickline/core';
import { finalize, map, share, type Observable } from 'rxjs';
import { barJson } from '@tickline/storage';

/**
 * A bar event as sessions send it: serialized once (`body`, lazily) however many clients receive it.
 * `firstSeq` is the feed sequence number at which this bar's key was first delivered final, so a session that
 * joined later sees a revision of a bar it never got as a plain `bar` (as its own reader would have).
 */
export class SharedBar {
  private json: string | undefined;
  /** Encoded frames by kind and subscription id: clients that chose the same id get the very same Buffer. */
  private frames: Map<string, Buffer> | undefined;

  constructor(
    readonly event: BarEvent,
    readonly seq: number,
    readonly firstSeq: number | undefined,
  ) {}

  /** `"origin":...,"bar":{...}`: the frame's fields after type, id and kind. */
  get body(): string {
    if (this.json === undefined) {
      const { event } = this;
      const text = JSON.stringify({
        origin: event.origin,
        bar: { ...barJson(event.bar), final: event.bar.final },
      });
      this.json = text.slice(1, -1);
    }
    return this.json;
  }

  /** The frame `{"type":"bar","id":...,"kind":...,"origin":...,"bar":{...}}` as UTF-8, built once per kind and id. */
  frame(kind: BarEvent['kind'], idJson: string): Buffer {
    const key = `${kind}${idJson}`;
    this.frames ??= new Map();
    let frame = this.frames.get(key);
    if (frame === undefined) {
      frame = Buffer.from(`{"type":"bar","id":${idJson},"kind":"${kind}",${this.body}}`);
      this.frames.set(key, frame);
    }
    return frame;
  }
}

/** A shared tick: the trade serialized once. */
export class SharedTick {
  private json: string | undefined;

  constructor(readonly trade: Trade) {}

  get body(): string {
    this.json ??= JSON.stringify(this.trade);
    return this.json;
  }
}

/** One shared live reader and how far it has got (the sequence number of its latest event). */
export interface LiveBarFeed {
  readonly events: Observable<SharedBar>;
  readonly seq: () => number;
}

/**
 * Live-only subscriptions share one reader per stream: one @tickline/client `bars()` (partials included; each
 * session filters) per instrument and timeframe, one `ticks()` per instrument, started by the first subscriber
 * and stopped with the last. The client's guarantees (order, no repeats, revisions, resuming after Redis
 * errors, filling trimmed entries) hold for the shared reader; fan-out to N clients costs one XREAD, one
 * decode and one JSON serialization per entry instead of N.
 */
export class LiveFeeds {
  private readonly bars = new Map<string, LiveBarFeed>();
  private readonly ticks = new Map<string, Observable<SharedTick>>();

  constructor(
    private readonly client: TicklineClient,
    /** Bar keys remembered per feed to tell a late joiner's first sight of a revised bar (as maxTrackedBars). */
    private readonly maxTracked: number,
  ) {}

  /** Throws synchronously for a bad instrument or timeframe (the client's own check). */
  barFeed(instrument: string, timeframe: string): LiveBarFeed {
    const key = `${instrument}\u0000${timeframe}`;
    const found = this.bars.get(key);
    if (found) return found;
    const source = this.client.bars(instrument, timeframe, { partial: true });
    let seq = 0;
    const firsts = new Map<number, number>();
    const feed: LiveBarFeed = {
      seq: () => seq,
      events: source.pipe(
        map((event) => {
          seq += 1;
          if (event.kind === 'bar') {
            firsts.set(event.bar.start, seq);
            if (firsts.size > this.maxTracked) firsts.delete(firsts.keys().next().value!);
          }
          return new SharedBar(event, seq, event.kind === 'revision' ? firsts.get(event.bar.start) : seq);
        }),
        finalize(() => {
          if (this.bars.get(key) === feed) this.bars.delete(key);
        }),
        share(),
      ),
    };
    this.bars.set(key, feed);
    return feed;
  }

  tickFeed(instrument: string): Observable<SharedTick> {
    const found = this.ticks.get(instrument);
    if (found) return found;
    const feed: Observable<SharedTick> = this.client.ticks(instrument).pipe(
      map((trade) => new SharedTick(trade)),
      finalize(() => {
        if (this.ticks.get(instrument) === feed) this.ticks.delete(instrument);
      }),
      share(),
    );
    this.ticks.set(instrument, feed);
    return feed;
  }
}
