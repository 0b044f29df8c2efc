import { Checkpointer, type CommitResult, type OutputEntry } from './checkpoint';
import { decodeEntry, messageOf, parseReadReply } from './consumerEntries';
import { recordsAfter } from './consumerPositions';
import { StreamConsumer, type StreamConsumerOptions } from './consumer';
import { silentLogger, type BatchOutcome, type ConsumedEntry, type ConsumedRecord } from './consumerTypes';
import { deliveryCounts } from './pendingClaims';
import { type RecordPosition } from './streamId';

export interface StateCodec<S> {
  encode(state: S): Buffer | string;
  decode(bytes: Buffer): S;
}

export function jsonStateCodec<S>(): StateCodec<S> {
  return {
    encode: (state) => JSON.stringify(state),
    decode: (bytes) => JSON.parse(bytes.toString('utf8')) as S,
  };
}

/** What processing a batch of records produced: the next state and entries for output streams. */
export interface ProcessResult<S> {
  readonly state: S;
  readonly outputs?: readonly OutputEntry[];
}

export interface CheckpointingConsumerOptions<S> extends Omit<
  StreamConsumerOptions,
  'streams' | 'handler' | 'ordered'
> {
  /** The input stream (one instrument). */
  readonly stream: string;
  /** The checkpoint hash, `streamKeys(prefix).checkpoint(name, instrument)`; shared by every instance. */
  readonly checkpointKey: string;
  readonly initialState: () => S;
  /**
   * Folds records (those after the checkpoint, in stream order) into the state. May run again for the same
   * records when a commit fails or is refused, so it must not have side effects beyond its result; it may
   * mutate the state it is given (a failure reloads the state from the checkpoint).
   */
  readonly process: (
    state: S,
    records: readonly ConsumedRecord[],
  ) => ProcessResult<S> | Promise<ProcessResult<S>>;
  /** State serialization; default JSON. */
  readonly stateCodec?: StateCodec<S>;
  /** Called when a commit is refused because another instance committed meanwhile. */
  readonly onRefused?: (result: CommitResult & { committed: false }) => void;
  /**
   * Work without input, run every `intervalMs` between batches (never during one): e.g. finalizing bars
   * of a quiet instrument by wall clock. Its outputs are committed with its state at the same position.
   */
  readonly tick?: {
    readonly intervalMs: number;
    readonly run: (state: S) => TickResult<S> | Promise<TickResult<S>>;
  };
}

/**
 * What a tick (or `apply`) produced: undefined when there is nothing to commit. It may still have mutated
 * the state (e.g. moved a watermark); that change is kept in memory and committed with the next batch.
 */
export type TickResult<S> = ProcessResult<S> | undefined;

interface Loaded<S> {
  readonly state: S;
  readonly position: RecordPosition | undefined;
  /** The checkpoint's commit count this state belongs to: fences commits at an unchanged position. */
  readonly commits: number;
}

/**
 * Exactly-once state over a consumer group: reads in stream order, skips records at or before the
 * checkpoint, and commits state + position + outputs + acks atomically with a compare-and-set on the
 * previous position and commit count. A stale instance's commit is refused and it reloads; entries it held
 * are processed by whoever claimed them. Batches, ticks and `apply` run one at a time.
 */
export class CheckpointingConsumer<S> {
  readonly checkpointer: Checkpointer;
  readonly consumer: StreamConsumer;
  commits = 0;
  refusals = 0;
  private loaded: Loaded<S> | undefined;
  private readonly codec: StateCodec<S>;
  private turn: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** A batch grown from own pending entries failed: recover entry by entry until a first delivery succeeds. */
  private growthFailed = false;

  constructor(private readonly options: CheckpointingConsumerOptions<S>) {
    const { redis, stream, group, checkpointKey } = options;
    this.checkpointer = new Checkpointer({ redis, key: checkpointKey, stream, group });
    this.codec = options.stateCodec ?? jsonStateCodec<S>();
    this.consumer = new StreamConsumer({
      ...options,
      streams: [stream],
      ordered: true,
      handler: (entries) => this.exclusive(() => this.handle(entries)),
    });
  }

  async start(): Promise<void> {
    await this.consumer.start();
    const tick = this.options.tick;
    if (tick && !this.timer) {
      this.timer = setInterval(() => void this.runTick(tick.run), tick.intervalMs).unref();
    }
  }

  /** Stops the ticks and the consumer (the batch in flight finishes); `apply` still works afterwards. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.consumer.stop();
    await this.turn;
  }

  /**
   * Runs `run` on the current state between batches and commits its outputs with its state at the
   * unchanged position, fenced by the commit count. False when there was nothing to commit (nothing
   * consumed yet, or `run` returned undefined) or the commit was refused (the state is then reloaded).
   */
  apply(run: (state: S) => TickResult<S> | Promise<TickResult<S>>): Promise<boolean> {
    return this.exclusive(async () => {
      const base = await this.load();
      if (!base.position) return false;
      this.loaded = undefined; // a run that throws may have changed the state halfway: reload then
      const result = await run(base.state);
      this.loaded = base;
      if (!result) return false;
      this.loaded = undefined;
      return this.commit(base, base.position, result, []);
    });
  }

  private async runTick(run: (state: S) => TickResult<S> | Promise<TickResult<S>>): Promise<void> {
    if (this.ticking) return; // one queued at a time: a long batch must not pile ticks up behind it
    this.ticking = true;
    try {
      await this.apply(run);
    } catch (error) {
      (this.options.logger ?? silentLogger).warn('bus checkpoint: tick failed', {
        key: this.options.checkpointKey,
        error: messageOf(error),
      });
    } finally {
      this.ticking = false;
    }
  }

  /** Runs `fn` after every batch, tick and apply queued before it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.turn.then(fn);
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** The state, position and commit count as last loaded or committed by this instance. */
  get current(): Loaded<S> | undefined {
    return this.loaded;
  }

  private async load(): Promise<Loaded<S>> {
    if (this.loaded) return this.loaded;
    const checkpoint = await this.checkpointer.load();
    this.loaded = checkpoint
      ? {
          state: this.codec.decode(checkpoint.state),
          position: checkpoint.position,
          commits: checkpoint.commits,
        }
      : { state: this.options.initialState(), position: undefined, commits: 0 };
    return this.loaded;
  }

  private async handle(given: readonly ConsumedEntry[]): Promise<BatchOutcome> {
    const entries = await this.withOwnPending(given);
    const base = await this.load();
    const records = recordsAfter(entries, base.position);
    const last = records[records.length - 1];
    if (!last) return entries === given ? 'ack' : this.ackAll(entries); // committed already
    this.loaded = undefined; // until the commit succeeds, the in-memory state is not to be trusted
    try {
      const result = await this.options.process(base.state, records);
      const ack = entries.map((entry) => entry.id);
      const committed = await this.commit(base, last.position, result, ack);
      if (given[0]?.deliveries === 1) this.growthFailed = false; // recovery is over
      return committed ? 'none' : 'retry';
    } catch (error) {
      if (entries !== given) this.growthFailed = true;
      throw error;
    }
  }

  private async ackAll(entries: readonly ConsumedEntry[]): Promise<BatchOutcome> {
    await this.options.redis.xack(this.options.stream, this.options.group, ...entries.map((e) => e.id));
    return 'none';
  }

  /**
   * The consumer re-reads its own pending entries one at a time (after a claim or a restart), which would
   * cost one commit each: up to a whole batch of a dead holder's. A redelivered single entry is therefore
   * grown with the own pending entries after it (up to `count`; read with XRANGE, which counts no
   * delivery), stopping before any that is undecodable or at `maxAttempts`; the commit acknowledges them
   * all. After a grown batch failed, entries go one by one until the recovery is over, so a poison entry is
   * still retried and dead-lettered alone.
   */
  private async withOwnPending(entries: readonly ConsumedEntry[]): Promise<readonly ConsumedEntry[]> {
    const first = entries[0];
    if (entries.length !== 1 || !first || first.deliveries < 2 || this.growthFailed) return entries;
    const { redis, stream, group, consumer, count = 100, maxAttempts = 5 } = this.options;
    const counts = await deliveryCounts(redis, stream, group, consumer, `(${first.id}`, '+', count - 1);
    const ids = [...counts.keys()];
    if (ids.length === 0) return entries;
    const range = await redis.callBuffer('XRANGE', stream, ids[0]!, ids[ids.length - 1]!);
    const byId = new Map(parseReadReply([[stream, range]]).map((raw) => [raw.id, raw]));
    const grown = [first];
    for (const id of ids) {
      const raw = byId.get(id);
      const deliveries = counts.get(id) ?? maxAttempts;
      const decoded = raw?.fields && deliveries < maxAttempts ? decodeEntry(raw, deliveries) : undefined;
      if (!decoded?.ok) break;
      grown.push(decoded.entry);
    }
    return grown;
  }

  private async commit(
    base: Loaded<S>,
    position: RecordPosition,
    result: ProcessResult<S>,
    ack: readonly string[],
  ): Promise<boolean> {
    const commit = await this.checkpointer.commit({
      expected: base.position,
      expectedCommits: base.commits,
      position,
      samePosition: ack.length === 0,
      state: this.codec.encode(result.state),
      outputs: result.outputs ?? [],
      ack,
    });
    if (commit.committed) {
      this.commits += 1;
      this.loaded = { state: result.state, position, commits: commit.commits };
      return true;
    }
    this.refusals += 1;
    (this.options.logger ?? silentLogger).warn('bus checkpoint: commit refused; reloading', {
      key: this.options.checkpointKey,
      ...commit,
    });
    this.options.onRefused?.(commit);
    return false;
  }
}
