import { type Bar, type BarQuality, type QualityFlag, type QualityFlagCode } from '@tickline/core';
import { type NormStats } from './runningNorm';

/** A feed gap from `tl:gaps`: no data was received over [from, to). */
export interface FeedGap {
  from: number;
  to: number;
  cause?: string;
}

/** The same bar from a second source (the venue's own bar, a backfilled bar). */
export interface ReferenceBar {
  source: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** What the service knows about a bar that the trades do not tell (pure data; see evidence provider). */
export interface ExternalEvidence {
  gaps?: readonly FeedGap[];
  reference?: ReferenceBar;
}

/** Everything scoreBar() weighs; each field is optional and a missing one triggers no rule. */
export interface BarEvidence extends ExternalEvidence {
  /** Exclusive end of the bar (Bar.end, or the next timeframe boundary). */
  end: number;
  /** Trades per bar of this instrument and timeframe, over its recent final bars. */
  tradeNorm?: NormStats;
  /** ln(high / low) per bar of this instrument and timeframe, over its recent final bars. */
  rangeNorm?: NormStats;
  previousClose?: number;
  outOfOrder?: number;
  duplicates?: number;
  /** Longest stretch of the bar without a trade (ms). */
  maxSilenceMs?: number;
  filled?: boolean;
}

/** Every weight and threshold of the rules; docs/quality.md explains each. */
export interface QualityRules {
  gapBase: number;
  gapPerCoverage: number;
  gapMax: number;
  normMinSamples: number;
  tradeCountZ: number;
  tradeCountLowPenalty: number;
  tradeCountHighPenalty: number;
  outlierMultiple: number;
  outlierMinRange: number;
  outlierPenalty: number;
  outOfOrderPerShare: number;
  outOfOrderMax: number;
  duplicatePerShare: number;
  duplicateMax: number;
  staleAfterMs: number;
  staleMinMissedTrades: number;
  stalePerShare: number;
  staleMax: number;
  ohlcPenalty: number;
  sourcePriceTolerance: number;
  sourcePricePenalty: number;
  sourceVolumeTolerance: number;
  sourceVolumePenalty: number;
  filledPenalty: number;
}

export const DEFAULT_QUALITY_RULES: Readonly<QualityRules> = Object.freeze({
  gapBase: 0.1,
  gapPerCoverage: 0.5,
  gapMax: 0.6,
  normMinSamples: 20,
  tradeCountZ: 4,
  tradeCountLowPenalty: 0.15,
  tradeCountHighPenalty: 0.05,
  outlierMultiple: 6,
  outlierMinRange: 1e-4,
  outlierPenalty: 0.2,
  outOfOrderPerShare: 0.2,
  outOfOrderMax: 0.1,
  duplicatePerShare: 0.2,
  duplicateMax: 0.1,
  staleAfterMs: 30_000,
  staleMinMissedTrades: 5,
  stalePerShare: 0.3,
  staleMax: 0.3,
  ohlcPenalty: 0.5,
  sourcePriceTolerance: 0.001,
  sourcePricePenalty: 0.3,
  sourceVolumeTolerance: 0.05,
  sourceVolumePenalty: 0.1,
  filledPenalty: 0.5,
});

// 1.4826 * MAD estimates a standard deviation for normal data.
const MAD_TO_SIGMA = 1.4826;

type Rule = (bar: Bar, evidence: BarEvidence, rules: QualityRules) => QualityFlag | undefined;

/**
 * A bar's quality: score = max(0, 1 - Σ penalties), and every point lost is a flag's penalty (when the
 * penalties add up to more than 1, the score stops at 0). Pure: the same bar and evidence give the
 * same flags. The rules are documented in docs/quality.md.
 */
export function scoreBar(bar: Bar, evidence: BarEvidence, rules: Partial<QualityRules> = {}): BarQuality {
  return scoreWith(bar, evidence, qualityRules(rules));
}

/** The defaults with `overrides` applied. */
export function qualityRules(overrides: Partial<QualityRules> = {}): QualityRules {
  return { ...DEFAULT_QUALITY_RULES, ...overrides };
}

/** scoreBar with every rule setting given (the aggregator merges its options once, not per bar). */
export function scoreWith(bar: Bar, evidence: BarEvidence, settings: QualityRules): BarQuality {
  const flags: QualityFlag[] = [];
  // Summed in the order of the flags (as a reduce over them would), without a closure per bar.
  let lost = 0;
  for (const rule of RULES) {
    const flag = rule(bar, evidence, settings);
    if (flag !== undefined) {
      flags.push(flag);
      lost += flag.penalty;
    }
  }
  return { score: Math.max(0, 1 - lost), flags };
}

function flag(code: QualityFlagCode, penalty: number, detail: string): QualityFlag {
  return { code, penalty: Math.min(1, penalty), detail };
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

const filled: Rule = (bar, evidence, rules) =>
  evidence.filled === true
    ? flag('filled', rules.filledPenalty, 'no trades: flat at the previous close')
    : undefined;

const gap: Rule = (bar, evidence, rules) => {
  if (evidence.gaps === undefined || evidence.gaps.length === 0) return undefined;
  const length = evidence.end - bar.start;
  let covered = 0;
  let edge = bar.start;
  const sorted = [...evidence.gaps].sort((a, b) => a.from - b.from);
  for (const { from, to } of sorted) {
    const lo = Math.max(from, edge);
    const hi = Math.min(to, evidence.end);
    if (hi > lo) {
      covered += hi - lo;
      edge = hi;
    }
  }
  if (covered === 0) return undefined;
  const coverage = covered / length;
  const penalty = Math.min(rules.gapMax, rules.gapBase + rules.gapPerCoverage * coverage);
  return flag('gap', penalty, `feed gap over ${covered} ms (${pct(coverage)} of the bar)`);
};

const tradeCount: Rule = (bar, evidence, rules) => {
  const norm = evidence.tradeNorm;
  if (norm === undefined || norm.samples < rules.normMinSamples || evidence.filled === true) return undefined;
  // Counts are at least Poisson-noisy: never judge against a spread below sqrt(median).
  const floor = Math.max(Math.sqrt(norm.median), 1);
  // Within the threshold of that floor, no MAD can flag the bar: skip computing it (most bars).
  if (Math.abs(bar.trades - norm.median) <= rules.tradeCountZ * floor) return undefined;
  const sigma = Math.max(MAD_TO_SIGMA * norm.mad, floor);
  const z = (bar.trades - norm.median) / sigma;
  if (Math.abs(z) <= rules.tradeCountZ) return undefined;
  const detail = `${bar.trades} trades against a median of ${norm.median} (z ${z.toFixed(1)})`;
  return z < 0
    ? flag('trade_count_low', rules.tradeCountLowPenalty, detail)
    : flag('trade_count_high', rules.tradeCountHighPenalty, detail);
};

const outlier: Rule = (bar, evidence, rules) => {
  const norm = evidence.rangeNorm;
  if (norm === undefined || norm.samples < rules.normMinSamples || bar.trades === 0) return undefined;
  const typical = Math.max(norm.median, rules.outlierMinRange);
  const wick = Math.max(
    Math.log(bar.high / Math.max(bar.open, bar.close)),
    Math.log(Math.min(bar.open, bar.close) / bar.low),
  );
  const jump =
    evidence.previousClose === undefined ? 0 : Math.abs(Math.log(bar.open / evidence.previousClose));
  const worst = Math.max(wick, jump);
  if (!(worst > rules.outlierMultiple * typical)) return undefined;
  const what = wick >= jump ? 'wick' : 'jump from the previous close';
  return flag(
    'outlier',
    rules.outlierPenalty,
    `${what} of ${pct(worst)} against a typical range of ${pct(typical)}`,
  );
};

const outOfOrder: Rule = (bar, evidence, rules) => {
  const count = evidence.outOfOrder ?? 0;
  if (count === 0) return undefined;
  const penalty = Math.min(rules.outOfOrderMax, rules.outOfOrderPerShare * share(count, bar.trades));
  return flag('out_of_order', penalty, `${count} of ${bar.trades} trades arrived after a later one`);
};

const duplicate: Rule = (bar, evidence, rules) => {
  const count = evidence.duplicates ?? 0;
  if (count === 0) return undefined;
  const penalty = Math.min(rules.duplicateMax, rules.duplicatePerShare * share(count, bar.trades + count));
  return flag('duplicate', penalty, `${count} duplicate deliveries (counted once)`);
};

const stale: Rule = (bar, evidence, rules) => {
  const silence = evidence.maxSilenceMs ?? 0;
  const norm = evidence.tradeNorm;
  if (silence < rules.staleAfterMs || norm === undefined || norm.samples < rules.normMinSamples)
    return undefined;
  const length = evidence.end - bar.start;
  const missed = (norm.median * silence) / length;
  if (missed < rules.staleMinMissedTrades) return undefined;
  const penalty = Math.min(rules.staleMax, rules.stalePerShare * share(silence, length));
  return flag('stale', penalty, `no trade for ${silence} ms where about ${Math.round(missed)} were expected`);
};

const ohlc: Rule = (bar, _evidence, rules) => {
  const inside = bar.high >= Math.max(bar.open, bar.close) && bar.low <= Math.min(bar.open, bar.close);
  // The usual bar: decided without building the list of problems.
  if (inside && !(bar.volume > 0 && (bar.vwap > bar.high || bar.vwap < bar.low))) return undefined;
  const problems: string[] = [];
  if (bar.high < Math.max(bar.open, bar.close)) problems.push('high below open or close');
  if (bar.low > Math.min(bar.open, bar.close)) problems.push('low above open or close');
  if (bar.volume > 0 && (bar.vwap > bar.high || bar.vwap < bar.low)) problems.push('vwap outside low..high');
  return problems.length === 0 ? undefined : flag('ohlc', rules.ohlcPenalty, problems.join('; '));
};

const sourcePrice: Rule = (bar, evidence, rules) => {
  const ref = evidence.reference;
  if (ref === undefined) return undefined;
  let worst = 0;
  let field = '';
  for (const name of ['open', 'high', 'low', 'close'] as const) {
    const diff = Math.abs(bar[name] - ref[name]) / ref[name];
    if (diff > worst) [worst, field] = [diff, name];
  }
  if (!(worst > rules.sourcePriceTolerance)) return undefined;
  return flag(
    'source_price',
    rules.sourcePricePenalty,
    `${field} differs from ${ref.source} by ${pct(worst)}`,
  );
};

const sourceVolume: Rule = (bar, evidence, rules) => {
  const ref = evidence.reference;
  if (ref === undefined) return undefined;
  const diff = share(Math.abs(bar.volume - ref.volume), Math.max(bar.volume, ref.volume));
  if (!(diff > rules.sourceVolumeTolerance)) return undefined;
  return flag(
    'source_volume',
    rules.sourceVolumePenalty,
    `volume differs from ${ref.source} by ${pct(diff)}`,
  );
};

const RULES: readonly Rule[] = [
  filled,
  gap,
  tradeCount,
  outlier,
  outOfOrder,
  duplicate,
  stale,
  ohlc,
  sourcePrice,
  sourceVolume,
];
