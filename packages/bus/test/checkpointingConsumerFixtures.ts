import type { InstrumentRef, StreamKeys } from '@tickline/bus';

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
