import { messageOf, redactSecrets, type RedisClient } from '@tickline/bus';
import { ClientError } from './clientError';
import { readEnd } from './seamScript';
import type { StreamPosition } from './streamCursor';
import { tailStream, untilDone, type TailEntry, type TailOptions } from './streamTail';

/** What a shared reader hands to each follower of its stream (see followStream). */
export interface ReaderListener {
  entry(entry: TailEntry): void;
  /** Entries after `position` were trimmed before the reader read them. */
  gap(position: StreamPosition): void;
}

/**
 * The one blocking reader of one stream in a client: it tails the stream from its end on a connection of its
 * own and hands every entry to every listener. It runs while anyone holds it (a subscription holds it from
 * subscribe to unsubscribe, history included), so its connection is counted from the first holder on.
 */
export class SharedReader {
  private readonly listeners = new Set<ReaderListener>();
  private readonly abort = new AbortController();
  private holders = 0;
  /** Settles once the read loop has returned and the connection is closed. */
  readonly closed: Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    tail: Omit<TailOptions, 'signal' | 'untilEnd'>,
  ) {
    const options = { ...tail, signal: this.abort.signal };
    this.closed = this.run(options)
      .catch((error: unknown) =>
        tail.logger.error('client: stream reader failed', {
          stream: key,
          error: redactSecrets(messageOf(error), tail.secrets),
        }),
      )
      .finally(() => redis.disconnect());
  }

  hold(): void {
    this.holders += 1;
  }

  /** Drops one hold; true when it was the last and the reader is stopping. */
  release(): boolean {
    this.holders -= 1;
    if (this.holders > 0) return false;
    this.abort.abort();
    return true;
  }

  listen(listener: ReaderListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Stops at the end of the current XREAD (at most blockMs): cutting it short would leave ioredis' timer running. */
  stop(): Promise<void> {
    this.abort.abort();
    return this.closed;
  }

  private async run(options: TailOptions): Promise<void> {
    const { key, redis } = this;
    const start = await untilDone(`reading the end of ${key}`, () => readEnd(redis, key), options);
    if (start === undefined) return;
    const handlers = {
      onEntry: (entry: TailEntry) => this.listeners.forEach((listener) => listener.entry(entry)),
      onGap: (position: StreamPosition) => {
        this.listeners.forEach((listener) => listener.gap(position));
        return Promise.resolve(position);
      },
    };
    await tailStream(redis, key, start, handlers, options);
  }
}

/**
 * A client's shared readers, one per stream key, and the cap on them: `maxReaders` connections at most, each
 * counted from its first holder until its connection has closed (a stopping reader still holds one).
 */
export class ReaderPool {
  private readonly readers = new Map<string, SharedReader>();
  private readonly stopping = new Set<Promise<void>>();

  constructor(
    private readonly connect: () => RedisClient,
    private readonly tail: Omit<TailOptions, 'signal' | 'untilEnd'>,
    readonly maxReaders: number,
  ) {}

  /** Reader connections open, stopping ones included. */
  get open(): number {
    return this.readers.size + this.stopping.size;
  }

  /**
   * Holds the reader of `key`, started when none runs; throws TOO_MANY_READERS when a new one would exceed
   * the cap. The returned function drops the hold (the reader stops with its last holder).
   */
  hold(key: string): { readonly reader: SharedReader; readonly release: () => void } {
    let reader = this.readers.get(key);
    if (reader === undefined) {
      if (this.open >= this.maxReaders) {
        throw new ClientError(
          'TOO_MANY_READERS',
          `no reader for ${key}: all ${this.maxReaders} stream reader connections of this client are in use`,
        );
      }
      reader = new SharedReader(this.connect(), key, this.tail);
      this.readers.set(key, reader);
    }
    reader.hold();
    const held = reader;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (held.release() && this.readers.get(key) === held) this.retire(key, held);
    };
    return { reader: held, release };
  }

  /** Stops every reader and waits for their connections to close. */
  async close(): Promise<void> {
    for (const [key, reader] of [...this.readers]) this.retire(key, reader);
    await Promise.all([...this.stopping]);
  }

  private retire(key: string, reader: SharedReader): void {
    this.readers.delete(key);
    const stopped = reader.stop().then(() => void this.stopping.delete(stopped));
    this.stopping.add(stopped);
  }
}
