import { msgpackCodec, recordsOf, type Codec } from './codec';
import { Fifo } from './fifo';
import { assignIds, entrySizes } from './publisherBatch';
import { loadLastIds, sendEntries, verifyRefused, type OutgoingEntry } from './publisherSend';
import { reconnectDelay, silentBusLogger, type BusLogger, type RedisClient } from './redisClient';
import { type Spool } from './spool';
import { compareStreamIds, formatStreamId, nextStreamId, ZERO_ID, type StreamId } from './streamId';
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
  /**
   * Records buffered or unacknowledged in memory at most. Beyond it a record goes to `spool` when there is
   * one, else `publish` waits (backpressure: a producer that does not await its publishes needs a spool).
   * Default 100000.
   */
  readonly maxBufferedRecords?: number;
  /**
   * Where records go beyond `maxBufferedRecords`: written as entries with their final explicit ids, read back
   * in order once memory has room again (what an earlier process left in it is sent first).
   */
  readonly spool?: Spool;
  /** Records that fit neither in memory nor in the spool's disk budget: the caller reports them as a gap. */
  readonly onDrop?: (key: string, records: readonly unknown[]) => void;
  /** The stream's records are kept again after drops: the span reported through `onDrop` is complete. */
  readonly onDropEnd?: (key: string) => void;
  /** Entries sent in one round trip at most, so a backlog never makes one round trip outlast the command timeout. Default 64. */
  readonly maxEntriesPerRoundTrip?: number;
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
  maxEntriesPerRoundTrip: 64,
  retryBaseMs: 50,
  retryMaxMs: 2000,
  closeTimeoutMs: 10_000,
} as const;

interface Entry {
  readonly key: string;
  id: StreamId | undefined;
  /** The records, encoded when the entry is cut: memory holds compact bytes while Redis is away. */
  payload: Buffer;
  readonly count: number;
  /** Read back from the spool: the spool offset just past it, committed once it is stored. */
  readonly spoolEnd?: number;
  acked?: boolean;
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
  /** Whether `lastId` has been compared with the stream's top in Redis. */
  learned: boolean;
  /** Records bound for the spool, not yet a whole entry. */
  spill: unknown[];
  spillSince: number;
  /** Its last spill batch was dropped (`onDrop`); `onDropEnd` follows once one is kept. */
  dropping: boolean;
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
  private readonly maxPerRoundTrip: number;
  private readonly logger: BusLogger;
  private readonly now: () => number;
  private readonly streams = new Map<string, StreamState>();
  private readonly waiting = new Fifo<Waiting>();
  /** Entries read back from the spool, in spool order, until they are committed. */
  private readonly drained = new Fifo<Entry>();
  /** While true every new record goes to the spool (behind what it holds), until it is read back whole. */
  private spilling = false;
  private readonly onReady = () => {
    this.connectedOnce = true;
    this.retryNow();
  };
  private connectedOnce = false;
  private readonly flushWaiters: { target: number; resolve: () => void }[] = [];
  private outstanding = 0;
  private nextSeq = 0;
  private forceSeq = 0;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private failures = 0;
  private firstFailureAt = 0;
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
    /** Records written to the spool, and records dropped because its disk budget was spent. */
    spilled: 0,
    dropped: 0,
  };

  constructor(
    private readonly redis: RedisClient,
    private readonly options: StreamPublisherOptions = {},
  ) {
    this.codec = options.codec ?? msgpackCodec;
    this.maxPerEntry = options.maxRecordsPerEntry ?? PUBLISHER_DEFAULTS.maxRecordsPerEntry;
    this.lingerMs = options.lingerMs ?? PUBLISHER_DEFAULTS.lingerMs;
    this.maxBuffered = options.maxBufferedRecords ?? PUBLISHER_DEFAULTS.maxBufferedRecords;
    this.maxPerRoundTrip = options.maxEntriesPerRoundTrip ?? PUBLISHER_DEFAULTS.maxEntriesPerRoundTrip;
    this.logger = options.logger ?? silentBusLogger;
    this.now = options.now ?? Date.now;
    if (this.maxPerEntry < 1 || this.maxBuffered < 1)
      throw new Error('maxRecordsPerEntry and maxBufferedRecords must be >= 1');
    const trimEvery = options.trim?.intervalMs ?? TRIM_DEFAULTS.intervalMs;
    if ((options.trim?.mode ?? TRIM_DEFAULTS.mode) !== 'none') {
      this.trimTimer = setInterval(() => void this.trimNow().catch(() => undefined), trimEvery);
      this.trimTimer.unref();
    }
    redis.on('ready', this.onReady);
    // What an earlier process left in the spool goes out first.
    if (options.spool?.hasUnread) {
      this.spilling = true;
      this.kick();
    }
  }

  /** Records buffered or sent and not yet acknowledged, in memory: never above `maxBufferedRecords`. */
  get buffered(): number {
    return this.outstanding;
  }

  /** Since when round trips keep failing (Redis unreachable or not answering); undefined while they succeed. */
  get failingSince(): number | undefined {
    return this.failures > 0 ? this.firstFailureAt : undefined;
  }

  /**
   * Resolves once the record is accepted into memory or the spool (at once, unless memory is full and
   * there is no spool).
   */
  publish(key: string, record: unknown): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`publisher is closed: cannot publish to ${key}`));
    const seq = this.nextSeq++;
    const spool = this.options.spool;
    if (spool && (this.spilling || this.outstanding >= this.maxBuffered)) {
      this.spillOne(this.streams.get(key) ?? this.stream(key), record, spool);
      return RESOLVED;
    }
    if (this.waiting.length === 0 && this.outstanding < this.maxBuffered) {
      this.acceptOne(this.streams.get(key) ?? this.stream(key), record, seq);
      return RESOLVED;
    }
    return new Promise((resolve) => this.waiting.push({ key, records: [record], offset: 0, seq, resolve }));
  }

  /** Publishes records of one stream in order; resolves once all are accepted. */
  publishMany(key: string, records: readonly unknown[]): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`publisher is closed: cannot publish to ${key}`));
    if (this.options.spool) {
      for (const record of records) void this.publish(key, record);
      return RESOLVED;
    }
    const seq = this.nextSeq;
    this.nextSeq += records.length;
    if (records.length === 0) return RESOLVED;
    return new Promise((resolve) => {
      this.waiting.push({ key, records, offset: 0, seq, resolve });
      this.pump();
    });
  }

  /**
   * Resolves when every record published before the call and held in memory is acknowledged by Redis.
   * Records in the spool are not waited for (they are durable there): `spool.stats().records` tells.
   */
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
        learned: false,
        spill: [],
        spillSince: 0,
        dropping: false,
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
      const item = this.waiting.peek()!;
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
    this.commitDrained();
    this.drain();
    this.pump();
    this.settleFlushWaiters();
    if (!ok) {
      if (this.failures++ === 0) this.firstFailureAt = this.now();
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
        const payload = this.codec.encode(records);
        const entry = { key: stream.key, id: undefined, payload, count: records.length, attempts: 0 };
        stream.entries.push({ ...entry, firstSeq: stream.bufferFirstSeq, bufferedAt: stream.bufferSince });
      }
      if (offset > 0) stream.buffer = stream.buffer.slice(offset);
    }
  }

  /** One round trip for the oldest unacknowledged entries. False when something must be re-sent later. */
  private async flushOnce(): Promise<boolean> {
    this.cutEntries();
    const streams = [...this.streams.values()].filter((s) => s.entries.length > 0);
    if (streams.length === 0) return true;
    // Root cause of issue 17's stall (with the quadratic wait queue, see Fifo): a command given to a client
    // that is not connected waits in ioredis' offline queue and stays there after its timeout rejected it.
    // Each retry round during an outage added a copy of every unacknowledged entry; on reconnect all of them
    // went out at once. So nothing is sent until the connection is ready again.
    if (!isReady(this.redis)) return this.notReady();
    this.connectedOnce = true;
    try {
      await this.learnLastIds(streams);
    } catch (error) {
      return this.failed('reading stream tops', error);
    }
    const sent = this.nextRoundTrip(streams);
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

  /** The oldest entries of every stream, `maxEntriesPerRoundTrip` in all (at least one per stream). */
  private nextRoundTrip(streams: readonly StreamState[]): [StreamState, Entry][] {
    const now = this.now();
    const perStream = Math.max(1, Math.floor(this.maxPerRoundTrip / streams.length));
    const sent: [StreamState, Entry][] = [];
    for (const stream of streams) {
      this.assignIds(stream, now);
      for (const entry of stream.entries.slice(0, perStream)) sent.push([stream, entry]);
    }
    return sent;
  }

  /** Ids (in order, above every id given out) for the stream's entries that have none yet. */
  private assignIds(stream: StreamState, now: number): void {
    const fresh = stream.entries.filter((e) => e.id === undefined);
    if (fresh.length === 0) return;
    const ids = assignIds(stream.lastId ?? ZERO_ID, now, fresh.length);
    fresh.forEach((entry, i) => (entry.id = ids[i]!));
    stream.lastId = ids[ids.length - 1];
  }

  /** Ids given out before (from the spool, or while Redis was down) stay when they are above the top. */
  private async learnLastIds(streams: readonly StreamState[]): Promise<void> {
    const unknown = streams.filter((s) => !s.learned);
    if (unknown.length === 0) return;
    const ids = await loadLastIds(
      this.redis,
      unknown.map((s) => s.key),
    );
    unknown.forEach((stream, i) => {
      const top = ids[i]!;
      if (!stream.lastId || compareStreamIds(top, stream.lastId) > 0) stream.lastId = top;
      stream.learned = true;
    });
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
    const count = entry.count;
    entry.acked = true;
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
    const head = this.waiting.peek();
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
    // A trim sent while disconnected would wait in the offline queue like an XADD (see flushOnce).
    if (!isReady(this.redis)) return reports;
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
    const timedOut = (await Promise.race([this.flush(), timeout])) === 'timeout';
    clearTimeout(timer);
    this.stopped = true;
    this.redis.off('ready', this.onReady);
    const spool = this.options.spool;
    const left = this.unacknowledged();
    if (spool) {
      this.commitDrained();
      const kept = this.spillLeftovers(spool);
      if (kept > 0) this.logger.warn('publisher closed: unacknowledged records kept in the spool', { kept });
    } else if (timedOut) {
      problem = new Error(`publisher closed with ${left} records unacknowledged after ${timeoutMs} ms`);
    }
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
    let n = this.outstanding;
    for (const w of this.waiting) n += w.records.length - w.offset;
    return n;
  }

  // ---- the spool: bound or spill ----

  /** A record beyond the memory bound: into its stream's spill batch, written to the spool once whole. */
  private spillOne(stream: StreamState, record: unknown, spool: Spool): void {
    if (!this.spilling) this.startSpilling();
    if (stream.spill.length === 0) stream.spillSince = this.now();
    stream.spill.push(record);
    if (stream.spill.length >= this.maxPerEntry) this.writeSpill(stream, spool);
  }

  /** Ids follow publish order: every record in memory gets its entry and id before the first one spilled. */
  private startSpilling(): void {
    this.spilling = true;
    this.forceSeq = Math.max(this.forceSeq, this.nextSeq);
    this.cutEntries();
    const now = this.now();
    for (const stream of this.streams.values()) this.assignIds(stream, now);
  }

  /** The stream's spill batch as one entry with its final id, on disk; reported as dropped when over budget. */
  private writeSpill(stream: StreamState, spool: Spool): void {
    const records = stream.spill;
    stream.spill = [];
    const id = nextStreamId(stream.lastId ?? ZERO_ID, this.now());
    const payload = this.codec.encode(records);
    const entry = { key: stream.key, id, count: records.length, bufferedAt: stream.spillSince, payload };
    if (spool.append(entry)) {
      stream.lastId = id;
      this.stats.spilled += records.length;
      this.dropEnded(stream);
      return;
    }
    this.stats.dropped += records.length;
    stream.dropping = true;
    this.options.onDrop?.(stream.key, records);
  }

  private dropEnded(stream: StreamState): void {
    if (!stream.dropping) return;
    stream.dropping = false;
    this.options.onDropEnd?.(stream.key);
  }

  /** Reads the spool back while memory has room; spilling ends once it is read whole and memory takes the rest. */
  private drain(): void {
    const spool = this.options.spool;
    if (!spool || !this.spilling || this.stopped) return;
    this.readBack(spool);
    if (spool.hasUnread) return;
    let rest = 0;
    for (const stream of this.streams.values()) rest += stream.spill.length;
    if (this.outstanding + rest > this.maxBuffered) return;
    this.spilling = false;
    for (const stream of this.streams.values()) {
      const records = stream.spill;
      stream.spill = [];
      for (const record of records) this.acceptOne(stream, record, this.nextSeq++);
      this.dropEnded(stream);
    }
  }

  /**
   * Two round trips ahead at most: entries read back only wait for their turn. Filling the whole bound at
   * once kept ~10 MB of chunks alive per step of the drain, and the drain raised peak RSS by 48 MB in the
   * outage bench; with the cap it raises it by none.
   */
  private readBack(spool: Spool): void {
    const limit = Math.min(this.maxBuffered, 2 * this.maxPerRoundTrip * this.maxPerEntry);
    while (spool.hasUnread && this.outstanding < limit) {
      // One entry even when it is larger than the room left, if memory is empty: never stuck.
      const reads = spool.read(limit - this.outstanding, this.outstanding === 0);
      if (reads.length === 0) return;
      for (const { entry, end } of reads) {
        const stream = this.stream(entry.key);
        const { id, payload, count, bufferedAt } = entry;
        const drained: Entry = {
          ...{ key: entry.key, id, payload, count, bufferedAt, attempts: 0, spoolEnd: end },
          firstSeq: Number.MAX_SAFE_INTEGER, // not awaited by `flush()`: spilled records never were
        };
        stream.entries.push(drained);
        this.drained.push(drained);
        this.outstanding += count;
        if (!stream.lastId || compareStreamIds(id, stream.lastId) > 0) stream.lastId = id;
      }
    }
  }

  /** Commits the spool up to the last entry read back that is stored, with all before it. */
  private commitDrained(): void {
    let end = -1;
    let entries = 0;
    let records = 0;
    while (this.drained.peek()?.acked) {
      const entry = this.drained.shift()!;
      [end, entries, records] = [entry.spoolEnd!, entries + 1, records + entry.count];
    }
    if (entries > 0) this.options.spool?.commit(end, entries, records);
  }

  /**
   * At close: what is still in memory goes to the spool, before what the spool holds uncommitted (it is
   * older), so the next start sends every stream in order. Entries read back from the spool are in it
   * already. What the budget cannot take is reported through `onDrop`.
   */
  private spillLeftovers(spool: Spool): number {
    this.forceSeq = this.nextSeq;
    this.cutEntries();
    const now = this.now();
    const left: Entry[] = [];
    for (const stream of this.streams.values()) {
      this.assignIds(stream, now);
      left.push(...stream.entries.filter((e) => e.spoolEnd === undefined));
    }
    const kept = spool.prepend(left.map((e) => ({ ...e, id: e.id!, payload: e.payload })));
    for (const e of left.slice(kept)) this.options.onDrop?.(e.key, recordsOf(this.codec.decode(e.payload)));
    for (const stream of this.streams.values()) if (stream.spill.length > 0) this.writeSpill(stream, spool);
    return left.slice(0, kept).reduce((n, e) => n + e.count, 0);
  }

  /** An attempt that could not go out: counted and logged, except while the client makes its first connection. */
  private notReady(): false {
    if (!this.connectedOnce) return false;
    this.stats.failedRoundTrips++;
    this.logger.warn('publisher: Redis connection not ready; sending after a backoff', {
      attempt: this.failures + 1,
      unacknowledged: this.outstanding,
    });
    return false;
  }

  private retryNow(): void {
    if (!this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.kick();
  }
}

function outgoing(entry: Entry): OutgoingEntry {
  return { key: entry.key, id: entry.id!, payload: entry.payload, count: entry.count };
}

/** A Cluster is ready once its slots are known; a node connection going down shows as a failed command. */
function isReady(redis: RedisClient): boolean {
  return redis.status === 'ready';
}
