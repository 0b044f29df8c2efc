import type { RedisClient } from './redisClient';
import { fieldMap } from './consumerEntries';

/** One rejected entry: what it was, why, where from, when. */
export interface DeadLetter {
  /** The raw payload (field `d` of the source entry; empty when the entry no longer exists). */
  readonly payload: Buffer;
  /** Why it was rejected: the handler's error message, the decoding error, or the loss. */
  readonly reason: string;
  readonly stream: string;
  readonly entryId: string;
  readonly group: string;
  /** Epoch ms of the rejection. */
  readonly time: number;
  /** Deliveries the group made before giving up (0 when rejected without a handler call). */
  readonly deliveries: number;
}

export interface StoredDeadLetter extends DeadLetter {
  /** Id of the dead-letter entry itself. */
  readonly id: string;
}

/**
 * Writes rejected entries to `tl:dlq:<source>` (DESIGN.md: never silently drop). The dead-letter key has
 * no hash tag, so its XADD is a command of its own: the consumer writes it before acking the source entry,
 * so a crash between the two repeats the dead letter rather than losing it.
 */
export class DeadLetterQueue {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
  ) {}

  async add(letter: DeadLetter): Promise<string> {
    const id = await this.redis.xadd(
      this.key,
      '*',
      'payload',
      letter.payload,
      'reason',
      letter.reason,
      'stream',
      letter.stream,
      'entry',
      letter.entryId,
      'group',
      letter.group,
      'time',
      String(letter.time),
      'deliveries',
      String(letter.deliveries),
    );
    return id ?? '';
  }

  /** The dead letters in order (XRANGE), for operators and tests. */
  async read(count = 100, start = '-'): Promise<StoredDeadLetter[]> {
    const rows = await this.redis.xrangeBuffer(this.key, start, '+', 'COUNT', count);
    return rows.map(([id, list]) => {
      const fields = fieldMap(list);
      const text = (name: string): string => fields.get(name)?.toString() ?? '';
      return {
        id: id.toString(),
        payload: fields.get('payload') ?? Buffer.alloc(0),
        reason: text('reason'),
        stream: text('stream'),
        entryId: text('entry'),
        group: text('group'),
        time: Number(text('time')),
        deliveries: Number(text('deliveries')),
      };
    });
  }
}
