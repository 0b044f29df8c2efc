import { type Trade } from '@tickline/core';
import { type NormState } from './runningNorm';

// Snapshots are plain data (numbers, strings, booleans, arrays, objects): JSON and msgpack carry them
// unchanged. JSON has no Infinity or NaN, so those are written as null and read back through `num()`.

/** A number that may be non-finite, as written in a snapshot. */
export type StoredNumber = number | null;

export function stored(value: number): StoredNumber {
  return Number.isFinite(value) ? value : null;
}

/** Reads a stored number back; `otherwise` is the non-finite value that was written as null. */
export function num(value: StoredNumber, otherwise: number): number {
  return value ?? otherwise;
}

/**
 * One bar's running figures (BarBuilder's fields). A builder without a price holds NaN and ±Infinity in
 * open/high/low/close/firstTs/lastTs: those are written as null (see timeLane's slot state).
 */
export interface BuilderState {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  notional: number;
  trades: number;
  firstTs: number;
  lastTs: number;
}

/** One bar of a time series: its figures, where it stands, and its per-bar quality evidence. */
export interface SlotState extends BuilderState {
  start: number;
  end: number;
  final: boolean;
  revision: number;
  filled: boolean;
  outOfOrder: number;
  duplicates: number;
  maxGap: number;
}

/** One series: its open bars and the final bars still inside the revision window. */
export interface LaneState {
  /** specName() of the series, checked on restore. */
  series: string;
  /**
   * The series whose closed bars this one is built from (absent: built trade by trade, as in every
   * snapshot written before rollups existed; such a snapshot restores that way).
   */
  rolledFrom?: string;
  open: SlotState[];
  closed: SlotState[];
  covered: StoredNumber;
  nextFinalEnd: StoredNumber;
  outsideSession: number;
  tradeNorm: NormState;
  rangeNorm: NormState;
}

/**
 * Watermark, counters and the trade ids still able to be duplicated, per minute of event time: the ids that
 * are not canonical integers as strings, the others as run tokens (see idRuns.ts; absent in snapshots
 * written before them, whose lists hold every id).
 */
export interface GateState {
  watermark: StoredNumber;
  newest: StoredNumber;
  accepted: number;
  duplicates: number;
  rejected: number;
  ids: [minute: number, ids: string[], runs?: number[]][];
}

export interface TimeAggregatorState {
  version: 1;
  kind: 'time';
  gate: GateState;
  lanes: LaneState[];
}

export interface ThresholdAggregatorState {
  version: 1;
  kind: 'threshold';
  gate: GateState;
  /** Accepted trades the watermark has not passed yet, in event-time order. */
  pending: Trade[];
  builder: BuilderState;
}

/** What `snapshot()` returns: enough to continue exactly where the aggregator stood. */
export type AggregatorState = TimeAggregatorState | ThresholdAggregatorState;

const BUILDER_FIELDS = [
  'open',
  'high',
  'low',
  'close',
  'volume',
  'notional',
  'trades',
  'firstTs',
  'lastTs',
] as const;

export function copyBuilder(from: BuilderState, to: BuilderState): void {
  for (const field of BUILDER_FIELDS) to[field] = from[field];
}

export function builderState(from: BuilderState): BuilderState {
  const state = {} as BuilderState;
  copyBuilder(from, state);
  return state;
}
