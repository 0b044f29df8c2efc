import { msgpackCodec, type Codec } from './codec';
import { assignIds, entrySizes } from './publisherBatch';
import { loadLastIds, sendEntries, verifyRefused, type OutgoingEntry } from './publisherSend';
import { reconnectDelay, silentBusLogger, type BusLogger, type RedisClient } from './redisClient';
import { formatStreamId, type StreamId } from './streamId';
import { TRIM_DEFAULTS, type TrimOptions, type TrimReport } from './trimPolicy';
import { trimStream } from './trimStream';

/** One entry Redis acknowledged: producers measure latency and count throughput with it. */
export interface EntryAck {
  readonly key: string;
  readonly id: string;
  /** Records packed in the entry. */
  readonly count: number;
  /** When the oldest record of the entry was buffered (ms, publisher clock). */
  readonly bufferedAt: number;
  readonly ackedAt: number;
  /** Round trips it took (1 unless Redis stalled, restarted or dropped a reply). */
  readonly attempts: number;
}

export interface StreamPublisherOptions {
  /** Payload codec of field `d`. Default msgpack. */
  readonly codec?: Codec;
  /** Records packed into one entry at most. Default 256. */
  readonly maxRecordsPerEntry?: number;
  /** How long a partial entry waits for more records before it is sent, in ms. Default 2. */
  readonly lingerMs?: number;
  /** Records buffered or unacknowledged at most; `publish` waits beyond it (backpressure). Default 100000. */
  readonly maxBufferedRecords?: number;
  /** Delay before re-sending after a failed round trip: doubles from here, with jitter. Default 50 ms. */
  readonly retryBaseMs?: number;
  /** Default 2000 ms. */
  readonly retryMaxMs?: number;
  /** Trimming; default MINID below the slowest group, see `TrimOptions`. */
  readonly trim?: TrimOptions;
  readonly onAck?: (ack: EntryAck) => void;
  /** Every trim that removed entries; `report.lostTotal > 0` when a length trim destroyed unacknowledged ones. */
  readonly onTrim?: (report: TrimReport) => void;
  readonly logger?: BusLogger;
  /** `close()` quits the Redis client. Default true. */
  readonly closeConnection?: boolean;
  /** How long `close()` waits for acknowledgements before giving up (and saying how many). Default 10000 ms. */
  readonly closeTimeoutMs?: number;
  readonly now?: () => number;
}

export const PUBLISHER_DEFAULTS = {
  maxRecordsPerEntry: 256,
  lingerMs: 2,
  maxBufferedRecords: 100_000,
  retryBaseMs: 50,
  retryMaxMs: 2000,
  closeTimeoutMs: 10_000,
} as const;

interface Entry {
  readonly key: string;
  id: StreamId | undefined;
  payload: Buffer | undefined;
  readonly records: unknown[];
  /** Publish sequence of its oldest record (a lower bound): `flush()` waits on it. */
  readonly firstSeq: number;
  readonly bufferedAt: number;
  attempts: number;
}

interface StreamState {
  readonly key: string;
  buffer: unknown[];
  bufferFirstSeq: number;
  bufferSince: number;
  /** The last id given out; learned from Redis at first use, then kept: we are the only writer. */
  lastId: StreamId | undefined;
  /** Cut, not yet acknowledged, in send order. */
  entries: Entry[];
  touched: boolean;
}

interface Waiting {
  readonly key: string;
  readonly records: readonly unknown[];
  offset: number;
  readonly seq: number;
  readonly resolve: () => void;
}

const RESOLVED = Promise.resolve();

/**
 * Batched, pipelined, idempotent XADD. Records are buffered per stream and packed many to an entry; each
 * flush sends every entry in one round trip. Entry ids are explicit and monotonic, so a re-send after a
 * timeout, a lost reply or a Redis restart is refused by Redis instead of stored twice.
 */
export class StreamPublisher {
  private readonly codec: Codec;
  private readonly maxPerEntry: number;
  private readonly lingerMs: number;
  private readonly maxBuffered: number;
  private readonly logger: BusLogger;
  private readonly now: () => number;
  private readonly streams = new Map<string, StreamState>();
  private readonly waiting: Waiting[] = [];
  private readonly flushWaiters: { target: number; resolve: () => void }[] = [];
  private outstanding = 0;
  private nextSeq = 0;
  private forceSeq = 0;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private failures = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private trimTimer: NodeJS.Timeout | undefined;
  private trimming: Promise<TrimReport[]> | undefined;
  private closing: Promise<void> | undefined;
  private stopped = false;
  /** Counters for metrics and tests. */
  readonly stats = {
    entries: 0,
    records: 0,
    failedRoundTrips: 0,
    /** Entries sent again after a failed round trip. */
    resent: 0,
    /** Entries Redis refused as already stored (a re-send after a lost reply): duplicates avoided. */
    alreadyStored: 0,
    /** Entries that had to take a new id (a later entry was stored while they failed). */
    reassigned: 0,
    lostByTrim: 0,
  };

  constructor(
    private readonly redis: RedisClient,
    private readonly options: StreamPublisherOptions = {},
  ) {
    this.codec = options.codec ?? msgpackCodec;
    this.maxPerEntry = options.maxRecordsPerEntry ?? PUBLISHER_DEFAULTS.maxRecordsPerEntry;
    this.lingerMs = options.lingerMs ?? PUBLISHER_DEFAULTS.lingerMs;
    this.maxBuffered = options.maxBufferedRecords ?? PUBLISHER_DEFAULTS.maxBufferedRecords;
    this.logger = options.logger ?? silentBusLogger;
    this.now = options.now ?? Date.now;
    if (this.maxPerEntry < 1 || this.maxBuffered < 1)
      throw new Error('maxRecordsPerEntry and maxBufferedRecords must be >= 1');
    const trimEvery = options.trim?.intervalMs ?? TRIM_DEFAULTS.intervalMs;
    if ((options.trim?.mode ?? TRIM_DEFAULTS.mode) !== 'none') {
      this.trimTimer = setInterval(() => void this.trimNow().catch(() => undefined), trimEvery);
      this.trimTimer.unref();
    }
  }

  /** Records buffered or sent and not yet acknowledged: never above `maxBufferedRecords`. */
  get buffered(): number {
    return this.outstanding;
  }

  /** Resolves once the record is accepted into the buffer (at once unless the buffer is full). */
  publish(key: string, record: unknown): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`publisher is closed: cannot publish to ${key}`));
    const seq = this.nextSeq++;
    if (this.waiting.length === 0 && this.outstanding < this.maxBuffered) {
      this.acceptOne(this.streams.get(key) ?? this.stream(key), record, seq);
      return RESOLVED;
    }
    return new Promise((resolve) => this.waiting.push({ key, records: [record], offset: 0, seq, resolve }));
  }

  /** Publishes records of one stream in order; resolves once all are accepted. */
  publishMany(key: string, records: readonly unknown[]): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`publisher is closed: cannot publish to ${key}`));
    const seq = this.nextSeq;
    this.nextSeq += records.length;
    if (records.length === 0) return RESOLVED;
    return new Promise((resolve) => {
      this.waiting.push({ key, records, offset: 0, seq, resolve });
      this.pump();
    });
  }

  /** Resolves when every record published before the call is acknowledged by Redis. */
  flush(): Promise<void> {
    const target = this.nextSeq;
    if (this.lowestOutstanding() >= target) return RESOLVED;
    this.forceSeq = Math.max(this.forceSeq, target);
    const done = new Promise<void>((resolve) => this.flushWaiters.push({ target, resolve }));
    this.kick();
    return done;
  }

  /** Trims every stream written since the last trim now (the timer does this every `trim.intervalMs`). */
  async trimNow(): Promise<TrimReport[]> {
    if (this.trimming) return this.trimming;
    const keys = [...this.streams.values()].filter((s) => s.touched).map((s) => s.key);
    this.trimming = this.trimKeys(keys).finally(() => (this.trimming = undefined));
    return this.trimming;
  }

  /** Flushes (up to `closeTimeoutMs`), stops the timers and quits the connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private stream(key: string): StreamState {
    let stream = this.streams.get(key);
    if (!stream) {
      stream = {
        key,
        buffer: [],
        bufferFirstSeq: 0,
        bufferSince: 0,
        lastId: undefined,
        entries: [],
        touched: false,
      };
      this.streams.set(key, stream);
    }
    return stream;
  }

  private accept(
    stream: StreamState,
    records: readonly unknown[],
    from: number,
    count: number,
    seq: number,
  ): void {
    for (let i = 0; i < count; i++) this.acceptOne(stream, records[from + i], seq + i);
  }

  /** The per-record hot path of `publish`: accept without allocating a one-record array. */
  private acceptOne(stream: StreamState, record: unknown, seq: number): void {
    if (stream.buffer.length === 0) {
      stream.bufferFirstSeq = seq;
      stream.bufferSince = this.now();
    }
    stream.buffer.push(record);
    this.outstanding += 1;
    if (stream.buffer.length >= this.maxPerEntry) this.kick();
    else this.lingerTimer ??= setTimeout(() => this.onLinger(), this.lingerMs);
  }

  /** Moves waiting publishes into the buffers while there is room, in call order. */
  private pump(): void {
    while (this.waiting.length > 0 && this.outstanding < this.maxBuffered) {
      const item = this.waiting[0]!;
      const count = Math.min(item.records.length - item.offset, this.maxBuffered - this.outstanding);
      this.accept(this.stream(item.key), item.records, item.offset, count, item.seq + item.offset);
      item.offset += count;
      if (item.offset < item.records.length) break;
      this.waiting.shift();
      item.resolve();
    }
  }

  private onLinger(): void {
    this.lingerTimer = undefined;
    this.kick();
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.flushing || this.retryTimer) {
      this.flushAgain = true;
      return;
    }
    this.flushAgain = false;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.flushing = this.flushOnce()
      .catch((error: unknown) => {
        this.logger.error('publisher flush failed unexpectedly', { error: String(error) });
        return false;
      })
      .then((ok) => this.afterFlush(ok));
  }

  private afterFlush(ok: boolean): void {
    this.flushing = undefined;
    this.pump();
    this.settleFlushWaiters();
    if (!ok) {
      this.failures++;
      const delay = reconnectDelay(
        this.failures,
        this.options.retryBaseMs ?? PUBLISHER_DEFAULTS.retryBaseMs,
        this.options.retryMaxMs ?? PUBLISHER_DEFAULTS.retryMaxMs,
      );
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, delay);
      return;
    }
    this.failures = 0;
    if (this.flushAgain || this.hasWorkNow()) this.kick();
    else if (this.anyBuffered()) this.lingerTimer ??= setTimeout(() => this.onLinger(), this.lingerMs);
  }

  private isDue(stream: StreamState, now: number): boolean {
    return now - stream.bufferSince >= this.lingerMs || stream.bufferFirstSeq < this.forceSeq;
  }

  private hasWorkNow(): boolean {
    const now = this.now();
    for (const s of this.streams.values()) {
      if (s.entries.length > 0 || s.buffer.length >= this.maxPerEntry) return true;
      if (s.buffer.length > 0 && this.isDue(s, now)) return true;
    }
    return false;
  }

  private anyBuffered(): boolean {
    for (const s of this.streams.values()) if (s.buffer.length > 0) return true;
    return false;
  }

  /** Cuts buffers into entries: full ones always, partial ones when due. */
  private cutEntries(): void {
    const now = this.now();
    for (const stream of this.streams.values()) {
      const sizes = entrySizes(stream.buffer.length, this.maxPerEntry, this.isDue(stream, now));
      let offset = 0;
      for (const size of sizes) {
        const records = stream.buffer.slice(offset, offset + size);
        offset += size;
        const entry = { key: stream.key, id: undefined, payload: undefined, records, attempts: 0 };
        stream.entries.push({ ...entry, firstSeq: stream.bufferFirstSeq, bufferedAt: stream.bufferSince });
      }
      if (offset > 0) stream.buffer = stream.buffer.slice(offset);
    }
  }

  /** One round trip for every unacknowledged entry. False when something must be re-sent later. */
  private async flushOnce(): Promise<boolean> {
    this.cutEntries();
    const streams = [...this.streams.values()].filter((s) => s.entries.length > 0);
    if (streams.length === 0) return true;
    try {
      await this.learnLastIds(streams);
    } catch (error) {
      return this.failed('reading stream tops', error);
    }
    const sent: [StreamState, Entry][] = [];
    const now = this.now();
    for (const stream of streams) {
      const fresh = stream.entries.filter((e) => e.id === undefined);
      const ids = assignIds(stream.lastId!, now, fresh.length);
      fresh.forEach((entry, i) => {
        entry.id = ids[i]!;
        entry.payload ??= this.codec.encode(entry.records);
      });
      if (ids.length > 0) stream.lastId = ids[ids.length - 1];
      for (const entry of stream.entries) sent.push([stream, entry]);
    }
    const outcomes = await sendEntries(
      this.redis,
      sent.map(([, entry]) => outgoing(entry)),
    );
    const refused: [StreamState, Entry][] = [];
    let ok = true;
    outcomes.forEach((outcome, i) => {
      const [stream, entry] = sent[i]!;
      entry.attempts++;
      if (entry.attempts > 1) this.stats.resent++;
      if (outcome === 'stored') this.acknowledge(stream, entry);
      else if (outcome === 'notAboveTop') refused.push([stream, entry]);
      else ok = false;
    });
    if (refused.length > 0) ok = (await this.settleRefused(refused)) && ok;
    return ok || this.failed('sending entries', new Error(`${sent.length} entries, some unacknowledged`));
  }

  private async learnLastIds(streams: readonly StreamState[]): Promise<void> {
    const unknown = streams.filter((s) => s.lastId === undefined);
    if (unknown.length === 0) return;
    const ids = await loadLastIds(
      this.redis,
      unknown.map((s) => s.key),
    );
    unknown.forEach((stream, i) => (stream.lastId = ids[i]));
  }

  /** Entries refused as not above the top: stored before (ack), or stranded behind a gap (new id, re-send). */
  private async settleRefused(refused: readonly [StreamState, Entry][]): Promise<boolean> {
    const verdicts = await verifyRefused(
      this.redis,
      refused.map(([, entry]) => outgoing(entry)),
    );
    let ok = true;
    verdicts.forEach((stored, i) => {
      const [stream, entry] = refused[i]!;
      if (stored === true) {
        this.stats.alreadyStored++;
        this.acknowledge(stream, entry);
      } else if (stored === undefined) ok = false;
      else {
        this.logger.warn('entry id behind a stored entry after a failed send; re-sending with a new id', {
          stream: stream.key,
          id: formatStreamId(entry.id!),
        });
        this.stats.reassigned++;
        entry.id = undefined;
        stream.entries.splice(stream.entries.indexOf(entry), 1);
        stream.entries.push(entry);
      }
    });
    return ok;
  }

  private acknowledge(stream: StreamState, entry: Entry): void {
    const index = stream.entries.indexOf(entry);
    if (index >= 0) stream.entries.splice(index, 1);
    const count = entry.records.length;
    this.outstanding -= count;
    this.stats.entries++;
    this.stats.records += count;
    stream.touched = true;
    this.options.onAck?.({
      key: stream.key,
      id: formatStreamId(entry.id!),
      count,
      bufferedAt: entry.bufferedAt,
      ackedAt: this.now(),
      attempts: entry.attempts,
    });
  }

  private failed(what: string, error: unknown): false {
    this.stats.failedRoundTrips++;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn(`publisher: ${what} failed; re-sending after a backoff`, {
      error: message,
      attempt: this.failures + 1,
      unacknowledged: this.outstanding,
    });
    return false;
  }

  private lowestOutstanding(): number {
    let lowest = Infinity;
    for (const s of this.streams.values()) {
      if (s.buffer.length > 0) lowest = Math.min(lowest, s.bufferFirstSeq);
      for (const e of s.entries) lowest = Math.min(lowest, e.firstSeq);
    }
    const head = this.waiting[0];
    return head ? Math.min(lowest, head.seq + head.offset) : lowest;
  }

  private settleFlushWaiters(): void {
    if (this.flushWaiters.length === 0) return;
    const lowest = this.lowestOutstanding();
    for (let i = this.flushWaiters.length - 1; i >= 0; i--) {
      const waiter = this.flushWaiters[i]!;
      if (waiter.target > lowest) continue;
      this.flushWaiters.splice(i, 1);
      waiter.resolve();
    }
  }

  private async trimKeys(keys: readonly string[]): Promise<TrimReport[]> {
    const reports: TrimReport[] = [];
    for (const key of keys) {
      try {
        const report = await trimStream(this.redis, key, this.options.trim);
        this.stream(key).touched = false;
        reports.push(report);
        if (report.lostTotal > 0) {
          this.stats.lostByTrim += report.lostTotal;
          this.logger.error('length trim destroyed unacknowledged entries', { ...report });
        }
        if (report.removed > 0 || report.lostTotal > 0) this.options.onTrim?.(report);
      } catch (error) {
        this.logger.warn('trim failed; retried at the next interval', { stream: key, error: String(error) });
      }
    }
    return reports;
  }

  private async shutdown(): Promise<void> {
    const timeoutMs = this.options.closeTimeoutMs ?? PUBLISHER_DEFAULTS.closeTimeoutMs;
    let problem: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
    );
    if ((await Promise.race([this.flush(), timeout])) === 'timeout') {
      problem = new Error(
        `publisher closed with ${this.unacknowledged()} records unacknowledged after ${timeoutMs} ms`,
      );
    }
    clearTimeout(timer);
    this.stopped = true;
    for (const t of [this.lingerTimer, this.retryTimer]) clearTimeout(t);
    clearInterval(this.trimTimer);
    await this.trimming?.catch(() => undefined);
    await this.flushing;
    if (this.options.closeConnection !== false) {
      await this.redis.quit().catch(() => this.redis.disconnect());
    }
    if (problem) throw problem;
  }

  private unacknowledged(): number {
    return this.outstanding + this.waiting.reduce((n, w) => n + w.records.length - w.offset, 0);
  }
}

function outgoing(entry: Entry): OutgoingEntry {
  return { key: entry.key, id: entry.id!, payload: entry.payload!, count: entry.records.length };
}
