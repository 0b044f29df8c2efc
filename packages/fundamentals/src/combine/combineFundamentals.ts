import type { FundamentalField, Fundamentals } from '@tickline/core';
import { FIELD_CATALOG, isFieldName } from '../fieldCatalog';
import { consensus, DEFAULT_TOLERANCE, type Observation, type Tolerance } from './consensus';
import { DEFAULT_BOUNDS, rejectionReason, type ValidationBounds } from './validateField';

/** priority: the first provider in order; quality: the best-scored snapshot; consensus: see combineFundamentals. */
export type CombinationStrategy = 'priority' | 'quality' | 'consensus';

export const COMBINATION_STRATEGIES: readonly CombinationStrategy[] = ['priority', 'quality', 'consensus'];

/** One provider's record, in priority order. */
export interface ProviderRecord {
  provider: string;
  fetchedAt: number;
  record: Fundamentals;
}

export interface CombineOptions {
  /** ['priority'] */
  strategy?: CombinationStrategy;
  /** When providers agree [5 % relative]. */
  tolerance?: Tolerance;
  /** What counts as impossible [P/E in (0, 1000], |beta| <= 10]. */
  bounds?: ValidationBounds;
  /** For the quality strategy's freshness and the combination time. */
  now: number;
}

/** Something a reader of the combined view must know about a field. */
export interface CombinationFlag {
  field: string;
  /** rejected: a provider's value is impossible; disagreement: comparable values differ beyond tolerance; incomparable: different periods or currencies. */
  kind: 'rejected' | 'disagreement' | 'incomparable';
  providers: string[];
  message: string;
}

export interface Combination {
  strategy: CombinationStrategy;
  providersUsed: string[];
  combinedAt: number;
  flags: CombinationFlag[];
}

export interface CombinedFundamentals {
  record: Fundamentals;
  combination: Combination;
}

interface Candidate {
  provider: string;
  rank: number;
  quality: number;
  field: FundamentalField;
  /** The currency a money figure is in (the field's own, else its record's). */
  currency: string;
}

/**
 * Merges provider records field by field. Pure. Every field keeps the provider and fetch time of the
 * value chosen (values are never averaged: consensus picks the lower median, a value one provider
 * reported); impossible values are rejected with the reason; comparable values that disagree beyond
 * the tolerance are flagged whatever the strategy, and consensus then falls back to priority.
 */
export function combineFundamentals(
  inputs: readonly ProviderRecord[],
  options: CombineOptions,
): CombinedFundamentals {
  const first = inputs[0];
  if (!first) throw new RangeError('combineFundamentals needs at least one provider record');
  const strategy = options.strategy ?? 'priority';
  const context = {
    strategy,
    tolerance: options.tolerance ?? DEFAULT_TOLERANCE,
    bounds: options.bounds ?? DEFAULT_BOUNDS,
    currency: first.record.currency,
  };
  const flags: CombinationFlag[] = [];
  const fields: Record<string, FundamentalField> = {};
  const candidatesByField = gather(inputs, options.now);
  for (const [name, candidates] of candidatesByField) {
    const chosen = chooseField(name, candidates, context, flags);
    if (chosen) fields[name] = chosen;
  }
  const providersUsed = [...new Set(Object.values(fields).map((f) => f.source))];
  const record: Fundamentals = {
    symbol: first.record.symbol,
    asOf: Math.max(...inputs.map((i) => i.record.asOf)),
    currency: context.currency,
    fields,
  };
  return { record, combination: { strategy, providersUsed, combinedAt: options.now, flags } };
}

interface Context {
  strategy: CombinationStrategy;
  tolerance: Tolerance;
  bounds: ValidationBounds;
  currency: string;
}

function gather(inputs: readonly ProviderRecord[], now: number): Map<string, Candidate[]> {
  const byField = new Map<string, Candidate[]>();
  inputs.forEach((input, rank) => {
    const quality = qualityOf(input, now);
    for (const [name, field] of Object.entries(input.record.fields)) {
      if (field.value === null) continue;
      const candidate = {
        provider: input.provider,
        rank,
        quality,
        field,
        currency: field.currency ?? input.record.currency,
      };
      byField.set(name, [...(byField.get(name) ?? []), candidate]);
    }
  });
  return byField;
}

function chooseField(
  name: string,
  all: Candidate[],
  context: Context,
  flags: CombinationFlag[],
): FundamentalField | undefined {
  const valid = all.filter((candidate) => {
    const reason = rejectionReason(name, candidate.field, context.bounds);
    if (reason !== undefined)
      flags.push({
        field: name,
        kind: 'rejected',
        providers: [candidate.provider],
        message: `${candidate.provider}: ${reason}`,
      });
    return reason === undefined;
  });
  const base =
    context.strategy === 'quality'
      ? [...valid].sort((a, b) => b.quality - a.quality || a.rank - b.rank)[0]
      : valid[0];
  if (!base) return undefined;
  const comparable = valid.filter((c) => typeof c.field.value === 'number' && comparableWith(name, c, base));
  const incomparable = valid.filter((c) => typeof c.field.value === 'number' && !comparable.includes(c));
  if (incomparable.length > 0) flags.push(incomparableFlag(name, base, incomparable));
  const outcome = consensus(
    comparable.map((c): Observation => ({ provider: c.provider, value: c.field.value as number })),
    context.tolerance,
  );
  if (outcome && !outcome.agreed)
    flags.push(disagreementFlag(name, comparable, outcome.outliers, base, context.tolerance));
  const pick =
    context.strategy === 'consensus' && outcome?.agreed
      ? comparable.find((c) => c.provider === outcome.pick.provider)
      : base;
  return toCombinedField(name, pick ?? base, context.currency);
}

/** Same period, and for money the same currency: otherwise the numbers measure different things. */
function comparableWith(name: string, candidate: Candidate, base: Candidate): boolean {
  if (isMoney(name) && candidate.currency !== base.currency) return false;
  return (candidate.field.period ?? '') === (base.field.period ?? '');
}

function toCombinedField(name: string, candidate: Candidate, recordCurrency: string): FundamentalField {
  const { currency: _own, ...rest } = candidate.field;
  const field = { ...rest, source: candidate.provider };
  // Money from a provider reporting in another currency says so explicitly; ratios have none.
  return isMoney(name) && candidate.currency !== recordCurrency
    ? { ...field, currency: candidate.currency }
    : field;
}

/** Catalogue money and per-share fields; unknown (legacy) numeric fields are assumed money. */
function isMoney(name: string): boolean {
  return !isFieldName(name) || ['money', 'per share'].includes(FIELD_CATALOG[name].unit);
}

function describe(c: Candidate): string {
  const period = c.field.period ? ` ${c.field.period}` : '';
  return `${c.provider} ${String(c.field.value)}${period}`;
}

function disagreementFlag(
  name: string,
  all: Candidate[],
  outliers: Observation[],
  base: Candidate,
  tolerance: Tolerance,
): CombinationFlag {
  const pct = `${tolerance.relative * 100} %`;
  return {
    field: name,
    kind: 'disagreement',
    providers: all.map((c) => c.provider),
    message: `${name}: providers disagree beyond ${pct}: ${all.map(describe).join(', ')} (outside: ${outliers.map((o) => o.provider).join(', ')}); used ${base.provider}`,
  };
}

function incomparableFlag(name: string, base: Candidate, others: Candidate[]): CombinationFlag {
  return {
    field: name,
    kind: 'incomparable',
    providers: [base.provider, ...others.map((c) => c.provider)],
    message: `${name}: not compared (different period or currency): ${[base, ...others].map((c) => `${describe(c)} ${c.currency}`).join(', ')}`,
  };
}

const CATALOG_SIZE = Object.keys(FIELD_CATALOG).length;
const QUALITY_HORIZON_MS = 90 * 86_400_000;

/** Completeness (share of catalogue fields present) weighted 0.7, freshness over 90 days 0.3. */
export function qualityOf(input: ProviderRecord, now: number): number {
  const present = Object.entries(input.record.fields).filter(
    ([name, f]) => isFieldName(name) && f.value !== null,
  ).length;
  const freshness = Math.max(0, 1 - Math.max(0, now - input.fetchedAt) / QUALITY_HORIZON_MS);
  return 0.7 * (present / CATALOG_SIZE) + 0.3 * freshness;
}
