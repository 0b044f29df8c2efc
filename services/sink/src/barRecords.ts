import type { ConsumedEntry, DeadLetterQueue } from '@tickline/bus';
import { BarSchema, type Bar } from '@tickline/core';
import { isPlainBar } from './plainBar';

/**
 * The valid bars of a batch of entries (isPlainBar for the usual ones, BarSchema for the rest). An entry with a record that is not a Bar (poison: retrying cannot
 * help) goes to the dead-letter stream whole, with the reason naming the record; its valid records are
 * still written, so nothing good is held back and nothing bad is silently dropped.
 */
export async function barsOf(
  entries: readonly ConsumedEntry[],
  deadLetters: DeadLetterQueue,
  group: string,
): Promise<Bar[]> {
  const bars: Bar[] = [];
  for (const entry of entries) {
    const problems: string[] = [];
    entry.records.forEach((record, index) => {
      if (isPlainBar(record)) return void bars.push(record);
      const parsed = BarSchema.safeParse(record);
      if (parsed.success) bars.push(parsed.data);
      else problems.push(`record ${index}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    });
    if (problems.length > 0) {
      await deadLetters.add({
        payload: entry.payload,
        reason: `invalid bar: ${problems.slice(0, 5).join(' | ')}`,
        stream: entry.stream,
        entryId: entry.id,
        group,
        time: Date.now(),
        deliveries: entry.deliveries,
      });
    }
  }
  return bars;
}
