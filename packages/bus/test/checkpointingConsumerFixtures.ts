import type Redis from 'ioredis';
import { Checkpointer, jsonStateCodec, type InstrumentRef, type StreamKeys } from '@tickline/bus';

/** What every test consumer of one instrument shares: group `agg`, its checkpoint and DLQ, short blocks. */
export function sharedConsumerOptions(keys: StreamKeys, instrument: InstrumentRef, name: string) {
  return {
    stream: keys.ticks(instrument),
    group: 'agg',
    consumer: name,
    checkpointKey: keys.checkpoint('agg', instrument),
    deadLetterKey: keys.dlq('agg'),
    blockMs: 100,
  };
}

/** The state last committed for `instrument` in group `agg` (JSON codec), if any. */
export async function committedState<S>(
  redis: Redis,
  keys: StreamKeys,
  instrument: InstrumentRef,
): Promise<S | undefined> {
  const checkpointer = new Checkpointer({
    redis,
    key: keys.checkpoint('agg', instrument),
    stream: keys.ticks(instrument),
    group: 'agg',
  });
  const checkpoint = await checkpointer.load();
  return checkpoint && jsonStateCodec<S>().decode(checkpoint.state);
}
