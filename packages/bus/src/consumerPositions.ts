import { type ConsumedEntry, type ConsumedRecord } from './consumerTypes';
import { compareRecordPositions, parseStreamId, type RecordPosition } from './streamId';

/**
 * The records of `entries` strictly after `position`, in order: what a checkpointing consumer still has to
 * process. Entries before the position's entry are skipped whole; its own entry resumes after `index`.
 */
export function recordsAfter(
  entries: readonly ConsumedEntry[],
  position: RecordPosition | undefined,
): ConsumedRecord[] {
  const out: ConsumedRecord[] = [];
  for (const entry of entries) {
    entry.records.forEach((record, index) => {
      const at = { entryId: entry.id, index };
      if (!position || compareRecordPositions(at, position) > 0) out.push({ position: at, record });
    });
  }
  return out;
}

/** `<entryId>/<index>`: how a checkpoint stores a position, compared verbatim by the commit script. */
export function formatPosition(position: RecordPosition): string {
  return `${position.entryId}/${position.index}`;
}

export function parsePosition(text: string): RecordPosition {
  const slash = text.indexOf('/');
  const entryId = text.slice(0, slash);
  const index = Number(text.slice(slash + 1));
  if (slash < 0 || !/^\d+$/.test(text.slice(slash + 1)) || !Number.isSafeInteger(index)) {
    throw new Error(`invalid record position ${JSON.stringify(text)}`);
  }
  parseStreamId(entryId);
  return { entryId, index };
}
