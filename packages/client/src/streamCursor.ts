import { formatStreamId, parseStreamId, safeMinId, type GroupPosition } from '@tickline/bus';

/** XREAD's cursor for "every entry": ids are exclusive and no entry is ever `0-0`. */
export const STREAM_START = '0-0';

/** The greatest id below `id` (XREAD reads after its cursor; this makes `id` itself the first one read). */
export function idBefore(id: string): string {
  const { ms, seq } = parseStreamId(id);
  if (seq > 0) return formatStreamId({ ms, seq: seq - 1 });
  if (ms > 0) return `${ms - 1}-18446744073709551615`;
  return STREAM_START;
}

/**
 * Where the live read of a bar stream starts so that it covers everything the store may miss: every group
 * (the sink's among them) acknowledges an entry only after it is durably stored, so entries below the
 * slowest group's first unacknowledged one are in the store; from that one on, the stream is read. Noted
 * before history is read, it can only reach back further than needed, never skip: the overlap is what
 * the stitcher de-duplicates. Without any group nothing says what the store holds: the whole stream.
 */
export function seamCursor(groups: readonly GroupPosition[]): string {
  const keepFrom = safeMinId(groups);
  return keepFrom === undefined ? STREAM_START : idBefore(formatStreamId(keepFrom));
}
