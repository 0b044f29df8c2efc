import { compareStreamIds, parseStreamId, type StreamId } from './streamId';

/** What trimming needs to know of one consumer group (from XINFO GROUPS and the XPENDING summary). */
export interface GroupPosition {
  readonly name: string;
  readonly lastDeliveredId: string;
  /** Smallest id in the group's pending list; undefined when nothing is pending. */
  readonly oldestPendingId: string | undefined;
}

/**
 * The greatest MINID that removes nothing a group still needs: per group its oldest pending id, or the id
 * just after its last-delivered id when nothing is pending; the minimum over groups. Undefined without
 * groups (the caller then falls back to MAXLEN). Entries below it are acknowledged by every group.
 */
export function safeMinId(groups: readonly GroupPosition[]): StreamId | undefined {
  let min: StreamId | undefined;
  for (const group of groups) {
    const keepFrom = group.oldestPendingId
      ? parseStreamId(group.oldestPendingId)
      : idAfter(parseStreamId(group.lastDeliveredId));
    if (!min || compareStreamIds(keepFrom, min) < 0) min = keepFrom;
  }
  return min;
}

/** The smallest id greater than `id`. */
export function idAfter(id: StreamId): StreamId {
  return { ms: id.ms, seq: id.seq + 1 };
}

/**
 * How entries are removed. `minid` (the default) never removes what a group has not acknowledged; streams
 * without a group are kept to `maxLen`. `maxlen` keeps every stream to `maxLen` whatever the groups have
 * read, reporting what that destroyed. `none` leaves streams alone.
 */
export type TrimMode = 'minid' | 'maxlen' | 'none';

export interface TrimOptions {
  /** Default `minid`. */
  readonly mode?: TrimMode;
  /** Entries kept (`MAXLEN ~`) by streams without a group, and by every stream in `maxlen` mode. Default 100000. */
  readonly maxLen?: number;
  /**
   * Hard cap for `minid` mode: a stream still longer than this after MINID trimming (a stuck group) is cut to
   * exactly this length anyway, and the entries lost are reported. Default: none (memory grows instead).
   */
  readonly hardMaxLen?: number;
  /** How often touched streams are trimmed, in ms. Default 1000. */
  readonly intervalMs?: number;
}

export const TRIM_DEFAULTS = { mode: 'minid', maxLen: 100_000, intervalMs: 1000 } as const;

/** Entries of one group destroyed by a length trim before it acknowledged them. */
export interface GroupLoss {
  readonly group: string;
  /** Delivered but not acknowledged (still in the pending list, now pointing at nothing). */
  readonly pending: number;
  /** Never delivered. */
  readonly undelivered: number;
}

/** What one trim of one stream did. */
export interface TrimReport {
  readonly key: string;
  /** `minid`: trimmed below the slowest group; `maxlen`: kept to a length; `none`: nothing to do. */
  readonly how: 'minid' | 'maxlen' | 'none';
  readonly minId?: string;
  /** Entries removed. */
  readonly removed: number;
  /** Per group, what a length trim removed unacknowledged; empty when nothing was lost. */
  readonly lost: readonly GroupLoss[];
  /** Sum of `lost` (pending + undelivered over groups). */
  readonly lostTotal: number;
}
