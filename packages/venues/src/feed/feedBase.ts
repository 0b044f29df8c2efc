import type { Venue } from '@tickline/core';
import { VenueError } from '../venueError';
import { FeedEmitter } from './feedEmitter';
import type { FeedEvent, FeedListener, FeedStats, LiveFeed } from './feedEvents';
import type { WsCloseInfo } from './wsConnection';

export function emptyFeedStats(): FeedStats {
  return {
    frames: 0,
    trades: 0,
    amendments: 0,
    quotes: 0,
    rejects: 0,
    duplicates: 0,
    gaps: 0,
    connects: 0,
    disconnects: 0,
  };
}

/**
 * What every venue feed shares: listeners, counters, the lifecycle `idle → running → stopped` (start
 * once, stop idempotent, no start after stop), and the connected / disconnected events. A venue
 * implements how to open and close its connections and what its frames mean.
 */
export abstract class FeedBase<S extends FeedStats = FeedStats> implements LiveFeed {
  abstract readonly venue: Venue;
  protected readonly counters: S;
  private readonly emitter: FeedEmitter;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private stopping: Promise<void> | undefined;

  protected constructor(counters: S, onError: (error: unknown) => void) {
    this.counters = counters;
    this.emitter = new FeedEmitter((error) => onError(error));
  }

  /** Opens the connections; called once, by the first start(). */
  protected abstract open(): void;
  /** Closes every connection; called once, by the first stop(). */
  protected abstract close(): Promise<void>;
  abstract setSymbols(symbols: readonly string[]): void;

  onEvent(listener: FeedListener): () => void {
    return this.emitter.add(listener);
  }

  start(): Promise<void> {
    if (this.state === 'stopped')
      return Promise.reject(new VenueError('INVALID_STATE', `${this.venue} feed was stopped`));
    if (this.state === 'idle') {
      this.state = 'running';
      this.open();
    }
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.state = 'stopped';
    this.stopping ??= this.close();
    return this.stopping;
  }

  stats(): S {
    return { ...this.counters };
  }

  /** Between start() and stop(): outages count as gaps only then. */
  protected get running(): boolean {
    return this.state === 'running';
  }

  protected emit(event: FeedEvent): void {
    this.emitter.emit(event);
  }

  protected reportOpen(connection: string, at: number, url: string, streams: number): void {
    this.counters.connects += 1;
    this.emit({ type: 'connected', venue: this.venue, connection, at, url, streams });
  }

  /**
   * A socket closed. Reported when it had opened or the close was not planned (a failed attempt
   * is news, a planned close of a never-opened socket is not); `retryInMs` when a retry is scheduled.
   */
  protected reportClose(
    connection: string,
    info: WsCloseInfo,
    unexpected: boolean,
    retryInMs?: number,
  ): void {
    if (!info.wasOpen && !unexpected) return;
    if (unexpected) this.counters.disconnects += 1;
    this.emit({
      type: 'disconnected',
      venue: this.venue,
      connection,
      at: info.at,
      cause: info.cause,
      reason: info.reason,
      unexpected,
      ...(retryInMs === undefined ? {} : { retryInMs }),
    });
  }
}
