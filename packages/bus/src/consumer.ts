import { connectionOptionsOf, duplicateClient, type RedisClient } from './redisClient';
import { hashTagOf } from './keys';
import { decodeEntry, messageOf, parseReadReply, type RawEntry } from './consumerEntries';
import {
  backoffDelay,
  silentLogger,
  type BackoffOptions,
  type BatchHandler,
  type ConsumedEntry,
  type ConsumerLogger,
  type ConsumerStats,
  type LostEntries,
} from './consumerTypes';
import { DeadLetterQueue } from './deadLetter';
import {
  claimIdleEntries,
  deliveryCounts,
  hasPendingBefore,
  ownsPending,
  pendingByConsumer,
} from './pendingClaims';

export interface StreamConsumerOptions {
  /** Connection for acks, claims, pending queries and dead letters. Not closed by the consumer. */
  readonly redis: RedisClient;
  /**
   * Connection for XREADGROUP BLOCK; its commandTimeout and socketTimeout must exceed `blockMs`. Default:
   * `redis.duplicate()` with commandTimeout = blockMs + (redis's commandTimeout or 5000) and the socket
   * timeout raised to match, owned and closed by `stop()`.
   */
  readonly blockingRedis?: RedisClient;
  /** Streams to consume; they must share one hash tag (one XREADGROUP must stay in one cluster slot). */
  readonly streams: readonly string[];
  readonly group: string;
  /** This consumer's name in the group; unique per process. */
  readonly consumer: string;
  readonly handler: BatchHandler;
  /** Dead-letter stream, normally `streamKeys(prefix).dlq(source)`. */
  readonly deadLetterKey: string;
  /** Where a group this consumer creates starts (XGROUP CREATE ... MKSTREAM). Default `0`: the whole stream. */
  readonly startId?: string;
  /** Entries per read (XREADGROUP COUNT). Default 100. */
  readonly count?: number;
  /** Longest wait of one read (XREADGROUP BLOCK); bounds how long `stop()` takes. Default 1000 ms. */
  readonly blockMs?: number;
  /** An entry pending this long with another consumer is taken over (XAUTOCLAIM). Default 30000 ms. */
  readonly claimIdleMs?: number;
  /**
   * How often to look for such entries, and for own orphans (reads served after they timed out).
   * Default min(claimIdleMs / 2, 5000) ms.
   */
  readonly claimIntervalMs?: number;
  /** Handler attempts per entry; the next delivery goes to the dead-letter stream instead. Default 5. */
  readonly maxAttempts?: number;
  /**
   * Hand entries to the handler strictly in stream order: never read new entries while older ones are
   * pending with anyone (waits for them to become claimable). Checkpointing consumers need it. Default false.
   */
  readonly ordered?: boolean;
  /** Delays between retries after Redis errors and handler failures. */
  readonly backoff?: BackoffOptions;
  readonly logger?: ConsumerLogger;
  /** Called (besides an error log line and a dead letter) when pending entries turn out to be trimmed. */
  readonly onLost?: (lost: LostEntries) => void;
}

interface Delivery {
  readonly raw: RawEntry;
  readonly deliveries: number;
}

/**
 * A consumer-group reader: reads batches, hands them to an async handler, acks after it succeeds, retries
 * failed entries one by one, dead-letters poison and undecodable entries, reclaims entries of dead
 * consumers, and survives Redis restarts and stalls (every command is bounded; the loop backs off, then
 * re-reads its own pending entries before anything new). At-least-once; see CheckpointingConsumer for
 * exactly-once state.
 */
export class StreamConsumer {
  readonly stats: ConsumerStats = {
    batches: 0,
    entries: 0,
    claimed: 0,
    deadLettered: 0,
    lost: 0,
    handlerFailures: 0,
    errors: 0,
  };
  private readonly redis: RedisClient;
  private readonly blocking: RedisClient;
  private readonly ownsBlocking: boolean;
  private readonly deadLetters: DeadLetterQueue;
  private readonly logger: ConsumerLogger;
  private readonly count: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly claimIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly lastErrors = new Map<string, string>();
  private groupsReady = false;
  private recovering = true; // start by re-reading own pending entries
  private nextClaimAt = 0;
  private redisFailures = 0;
  private handlerFailures = 0;
  private stopping = false;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: StreamConsumerOptions) {
    const tags = new Set(options.streams.map(hashTagOf));
    if (tags.size !== 1) {
      throw new Error(`a StreamConsumer reads streams of one hash tag, got ${options.streams.join(', ')}`);
    }
    this.redis = options.redis;
    this.logger = options.logger ?? silentLogger;
    this.count = options.count ?? 100;
    this.blockMs = options.blockMs ?? 1000;
    this.claimIdleMs = options.claimIdleMs ?? 30000;
    this.claimIntervalMs = options.claimIntervalMs ?? Math.min(this.claimIdleMs / 2, 5000);
    this.maxAttempts = options.maxAttempts ?? 5;
    this.deadLetters = new DeadLetterQueue(this.redis, options.deadLetterKey);
    this.ownsBlocking = !options.blockingRedis;
    this.blocking = options.blockingRedis ?? this.duplicateForBlocking();
    this.checkBlockingTimeouts();
  }

  private checkBlockingTimeouts(): void {
    const { commandTimeout, socketTimeout } = connectionOptionsOf(this.blocking);
    if (
      commandTimeout === undefined ||
      commandTimeout <= this.blockMs ||
      (socketTimeout ?? Infinity) <= this.blockMs
    ) {
      throw new Error(
        `blockingRedis needs commandTimeout and socketTimeout above blockMs (${this.blockMs} ms), ` +
          `got ${commandTimeout} and ${socketTimeout}`,
      );
    }
  }

  private duplicateForBlocking(): RedisClient {
    const { commandTimeout, socketTimeout } = connectionOptionsOf(this.redis);
    if (commandTimeout === undefined) {
      this.logger.warn('bus consumer: redis has no commandTimeout; a stalled server would hang it');
    }
    const timeout = this.blockMs + (commandTimeout ?? 5000);
    // A socket timeout below the block time would destroy the connection during every quiet read.
    const socket = socketTimeout === undefined ? {} : { socketTimeout: Math.max(socketTimeout, timeout) };
    const client = duplicateClient(this.redis, { commandTimeout: timeout, ...socket });
    client.on('error', () => undefined); // the loop reports failed commands itself
    return client;
  }

  /** Creates the groups (MKSTREAM) and starts the loop in the background. */
  async start(): Promise<void> {
    if (this.loopDone) return;
    await this.ensureGroups();
    this.loopDone = this.loop();
  }

  /** Finishes the batch in flight (handler and ack), then ends the loop. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    try {
      await this.loopDone;
    } finally {
      if (this.ownsBlocking) this.blocking.disconnect();
    }
  }

  private async ensureGroups(): Promise<void> {
    for (const stream of this.options.streams) {
      try {
        await this.redis.xgroup(
          'CREATE',
          stream,
          this.options.group,
          this.options.startId ?? '0',
          'MKSTREAM',
        );
      } catch (error) {
        if (!messageOf(error).startsWith('BUSYGROUP')) throw error;
      }
    }
    this.groupsReady = true;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.step();
        this.redisFailures = 0;
      } catch (error) {
        await this.onRedisError(error);
      }
    }
  }

  private async step(): Promise<void> {
    if (!this.groupsReady) await this.ensureGroups();
    if (Date.now() >= this.nextClaimAt) await this.claimIdle();
    if (this.recovering) await this.recover();
    else await this.readNew();
  }

  private async onRedisError(error: unknown): Promise<void> {
    this.redisFailures += 1;
    this.stats.errors += 1;
    this.recovering = true;
    if (messageOf(error).startsWith('NOGROUP')) this.groupsReady = false;
    const delayMs = backoffDelay(this.redisFailures, this.options.backoff);
    this.logger.warn('bus consumer: redis command failed, retrying', {
      group: this.options.group,
      consumer: this.options.consumer,
      error: messageOf(error),
      attempt: this.redisFailures,
      delayMs: Math.round(delayMs),
    });
    await this.pause(delayMs);
  }

  /** Sleeps, but wakes at once when stop() is called. */
  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = (): void => done();
      this.wake = wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /**
   * Takes over idle entries of others, and notices own orphans: between batches this consumer holds no
   * pending entry unless a read it gave up on (timed out during a stall) was served later anyway.
   */
  private async claimIdle(): Promise<void> {
    this.nextClaimAt = Date.now() + this.claimIntervalMs;
    for (const stream of this.options.streams) {
      const { group, consumer } = this.options;
      if (!this.recovering && (await ownsPending(this.redis, stream, group, consumer)))
        this.recovering = true;
      const result = await claimIdleEntries(
        this.redis,
        stream,
        group,
        consumer,
        this.claimIdleMs,
        this.count,
      );
      if (result.deleted.length > 0) await this.reportLost(stream, result.deleted);
      if (result.claimed.length === 0) continue;
      this.stats.claimed += result.claimed.length;
      this.recovering = true;
      this.logger.info('bus consumer: claimed idle entries', {
        stream,
        group,
        consumer,
        ids: result.claimed.length,
      });
    }
  }

  /**
   * Own pending entries first (after start, errors, failures, claims), one entry per read and handler call:
   * reading an entry again counts a delivery, so reading more than the entry about to be tried would count
   * attempts that never happened.
   */
  private async recover(): Promise<void> {
    if (this.options.ordered && (await this.othersHoldPending())) {
      this.nextClaimAt = 0;
      await this.pause(Math.max(20, Math.min(this.blockMs, this.claimIdleMs / 4)));
      return;
    }
    const raw = await this.readOwnPending();
    if (!raw) {
      this.recovering = false;
      return;
    }
    const { group, consumer } = this.options;
    const counts = await deliveryCounts(this.redis, raw.stream, group, consumer, raw.id, raw.id, 1);
    await this.process([{ raw, deliveries: counts.get(raw.id) ?? 1 }]);
  }

  private async othersHoldPending(): Promise<boolean> {
    for (const stream of this.options.streams) {
      const owners = await pendingByConsumer(this.redis, stream, this.options.group);
      for (const [name, count] of owners) if (name !== this.options.consumer && count > 0) return true;
    }
    return false;
  }

  /** The oldest own pending entry of the first stream that has one (one stream a read: see recover). */
  private async readOwnPending(): Promise<RawEntry | undefined> {
    const { group, consumer } = this.options;
    for (const stream of this.options.streams) {
      const args = ['GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '0'];
      const [raw] = parseReadReply(await this.redis.callBuffer('XREADGROUP', args));
      if (raw) return raw;
    }
    return undefined;
  }

  private readArgs(options: (string | number)[], id: string): (string | number)[] {
    const { group, consumer, streams } = this.options;
    return ['GROUP', group, consumer, ...options, 'STREAMS', ...streams, ...streams.map(() => id)];
  }

  private async readNew(): Promise<void> {
    const options = ['COUNT', this.count, 'BLOCK', this.blockMs];
    const reply = await this.blocking.callBuffer('XREADGROUP', this.readArgs(options, '>'));
    const raws = parseReadReply(reply);
    if (raws.length === 0) return;
    if (this.options.ordered && (await this.olderPendingExists(raws))) {
      this.recovering = true; // handled in order once the older entries are claimed and done
      return;
    }
    await this.process(raws.map((raw) => ({ raw, deliveries: 1 })));
  }

  private async olderPendingExists(raws: readonly RawEntry[]): Promise<boolean> {
    for (const stream of this.options.streams) {
      const first = raws.find((raw) => raw.stream === stream);
      if (first && (await hasPendingBefore(this.redis, stream, this.options.group, first.id))) return true;
    }
    return false;
  }

  /** Dead-letters what cannot or must not be handled, hands the rest to the handler. False if it failed. */
  private async process(deliveries: readonly Delivery[]): Promise<boolean> {
    const entries: ConsumedEntry[] = [];
    for (const { raw, deliveries: count } of deliveries) {
      if (!raw.fields) {
        await this.reportLost(raw.stream, [raw.id]);
        continue;
      }
      const decoded = decodeEntry(raw, count);
      if (!decoded.ok) await this.deadLetter(raw, decoded.payload, decoded.reason, 0);
      else if (count > this.maxAttempts)
        await this.deadLetter(raw, decoded.entry.payload, this.giveUpReason(raw), count - 1);
      else entries.push(decoded.entry);
    }
    return entries.length === 0 || this.handle(entries);
  }

  private giveUpReason(raw: RawEntry): string {
    const last = this.lastErrors.get(`${raw.stream} ${raw.id}`);
    return last ?? `delivered more than ${this.maxAttempts} times without success (last error unknown here)`;
  }

  private async handle(entries: readonly ConsumedEntry[]): Promise<boolean> {
    let outcome;
    try {
      outcome = await this.options.handler(entries);
    } catch (error) {
      await this.onHandlerFailure(entries, error);
      return false;
    }
    this.handlerFailures = 0;
    this.stats.batches += 1;
    this.stats.entries += entries.length;
    for (const entry of entries) this.lastErrors.delete(`${entry.stream} ${entry.id}`);
    if (outcome === 'retry') {
      this.recovering = true;
      return false;
    }
    if (outcome !== 'none') await this.ack(entries);
    return true;
  }

  private async onHandlerFailure(entries: readonly ConsumedEntry[], error: unknown): Promise<void> {
    this.handlerFailures += 1;
    this.stats.handlerFailures += 1;
    this.recovering = true;
    if (this.lastErrors.size > 10000) this.lastErrors.clear(); // bounded: only a fallback reason is lost
    for (const entry of entries) this.lastErrors.set(`${entry.stream} ${entry.id}`, messageOf(error));
    const first = entries[0];
    this.logger.warn('bus consumer: handler failed; entries stay pending', {
      group: this.options.group,
      stream: first?.stream,
      ids: entries.length === 1 ? first?.id : `${first?.id}..(${entries.length})`,
      deliveries: first?.deliveries,
      error: messageOf(error),
    });
    await this.pause(backoffDelay(this.handlerFailures, this.options.backoff));
  }

  private async ack(entries: readonly ConsumedEntry[]): Promise<void> {
    for (const stream of this.options.streams) {
      const ids = entries.filter((entry) => entry.stream === stream).map((entry) => entry.id);
      if (ids.length > 0) await this.redis.xack(stream, this.options.group, ...ids);
    }
  }

  private async deadLetter(
    raw: RawEntry,
    payload: Buffer,
    reason: string,
    deliveries: number,
  ): Promise<void> {
    const { group } = this.options;
    await this.deadLetters.add({
      payload,
      reason,
      stream: raw.stream,
      entryId: raw.id,
      group,
      time: Date.now(),
      deliveries,
    });
    await this.redis.xack(raw.stream, group, raw.id);
    this.lastErrors.delete(`${raw.stream} ${raw.id}`);
    this.stats.deadLettered += 1;
    this.logger.warn('bus consumer: entry moved to the dead-letter stream', {
      stream: raw.stream,
      id: raw.id,
      deadLetterKey: this.deadLetters.key,
      reason,
    });
  }

  private async reportLost(stream: string, ids: readonly string[]): Promise<void> {
    const { group } = this.options;
    this.stats.lost += ids.length;
    this.logger.error('bus consumer: pending entries were trimmed before being processed', {
      stream,
      group,
      ids,
    });
    this.options.onLost?.({ stream, group, ids });
    const time = Date.now();
    for (const entryId of ids) {
      const reason = 'lost: entry trimmed from the stream before it was acknowledged';
      await this.deadLetters.add({
        payload: Buffer.alloc(0),
        reason,
        stream,
        entryId,
        group,
        time,
        deliveries: 0,
      });
      await this.redis.xack(stream, group, entryId);
    }
  }
}
