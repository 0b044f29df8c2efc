import { Checkpointer, type CommitResult, type OutputEntry } from './checkpoint';
import { recordsAfter } from './consumerPositions';
import { StreamConsumer, type StreamConsumerOptions } from './consumer';
import { silentLogger, type BatchOutcome, type ConsumedEntry, type ConsumedRecord } from './consumerTypes';
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
}

interface Loaded<S> {
  readonly state: S;
  readonly position: RecordPosition | undefined;
}

/**
 * Exactly-once state over a consumer group: reads in stream order, skips records at or before the
 * checkpoint, and commits state + position + outputs + acks atomically with a compare-and-set on the
 * previous position. A stale instance's commit is refused and it reloads; entries it held are processed by
 * whoever claimed them.
 */
export class CheckpointingConsumer<S> {
  readonly checkpointer: Checkpointer;
  readonly consumer: StreamConsumer;
  commits = 0;
  refusals = 0;
  private loaded: Loaded<S> | undefined;
  private readonly codec: StateCodec<S>;

  constructor(private readonly options: CheckpointingConsumerOptions<S>) {
    const { redis, stream, group, checkpointKey } = options;
    this.checkpointer = new Checkpointer({ redis, key: checkpointKey, stream, group });
    this.codec = options.stateCodec ?? jsonStateCodec<S>();
    this.consumer = new StreamConsumer({
      ...options,
      streams: [stream],
      ordered: true,
      handler: (entries) => this.handle(entries),
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  /** The state and position as last loaded or committed by this instance. */
  get current(): Loaded<S> | undefined {
    return this.loaded;
  }

  private async load(): Promise<Loaded<S>> {
    if (this.loaded) return this.loaded;
    const checkpoint = await this.checkpointer.load();
    this.loaded = checkpoint
      ? { state: this.codec.decode(checkpoint.state), position: checkpoint.position }
      : { state: this.options.initialState(), position: undefined };
    return this.loaded;
  }

  private async handle(entries: readonly ConsumedEntry[]): Promise<BatchOutcome> {
    const base = await this.load();
    const records = recordsAfter(entries, base.position);
    const last = records[records.length - 1];
    if (!last) return 'ack'; // all at or before the checkpoint: committed already
    this.loaded = undefined; // until the commit succeeds, the in-memory state is not to be trusted
    const result = await this.options.process(base.state, records);
    const commit = await this.checkpointer.commit({
      expected: base.position,
      position: last.position,
      state: this.codec.encode(result.state),
      outputs: result.outputs ?? [],
      ack: entries.map((entry) => entry.id),
    });
    if (commit.committed) {
      this.commits += 1;
      this.loaded = { state: result.state, position: last.position };
      return 'none';
    }
    this.refusals += 1;
    (this.options.logger ?? silentLogger).warn('bus checkpoint: commit refused; reloading', {
      key: this.options.checkpointKey,
      ...commit,
    });
    this.options.onRefused?.(commit);
    return 'retry';
  }
}
