import { FundamentalsSchema, type FundamentalField, type Fundamentals } from '@tickline/core';
import { z } from 'zod';
import { FIELD_CATALOG, isFieldName } from '../fieldCatalog';
import { canonicalProvider } from './snapshotFileName';

/** One provider's (or the combination's) fundamentals for a symbol at one time, as cached. */
export interface Snapshot {
  /** Canonical provider name, or `combined`. */
  provider: string;
  symbol: string;
  fetchedAt: number;
  record: Fundamentals;
  /** The old system's completeness score (0-1), kept for its readers. */
  qualityScore: number;
  /** For `combined`: the strategy, providers and flags (see the combine module), as stored. */
  combination?: unknown;
  /** Read from a file the old system wrote (no `tickline` section). */
  legacy: boolean;
}

export const COMBINED = 'combined';

const BodySchema = z.looseObject({
  metadata: z.looseObject({
    provider: z.string().min(1),
    symbol: z.string().min(1),
    timestamp: z.string(),
    cache_version: z.string().optional(),
    data_quality_score: z.number().nullish(),
  }),
  fundamentals: z.record(z.string(), z.unknown()),
  tickline: z.unknown().optional(),
  tickline_combination: z.unknown().optional(),
});

// The old system's completeness weights (its _calculate_quality_score), so both systems agree.
const QUALITY_WEIGHTS: Record<string, number> = {
  market_cap: 0.2,
  pe_ratio: 0.15,
  pb_ratio: 0.15,
  dividend_yield: 0.1,
  revenue: 0.1,
  net_income: 0.1,
  total_debt: 0.1,
  cash: 0.1,
};

/** Why a cache file cannot be served. */
export class CorruptSnapshotError extends Error {
  override readonly name = 'CorruptSnapshotError';
}

/**
 * A cache file's text as a snapshot. Files we wrote carry the full record in `tickline`; files of
 * the old system only the flat `fundamentals` object, converted field by field with the file's
 * provider and time as provenance. `fallbackTime` (the file name's) is used when the body's is unreadable.
 */
export function decodeSnapshot(text: string, fallbackTime: number): Snapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CorruptSnapshotError('not JSON');
  }
  const body = BodySchema.safeParse(json);
  if (!body.success)
    throw new CorruptSnapshotError(`not a fundamentals cache body: ${body.error.issues[0]?.message ?? ''}`);
  const { metadata, fundamentals } = body.data;
  const provider = canonicalProvider(metadata.provider);
  const fetchedAt = parseNaiveUtc(metadata.timestamp) ?? fallbackTime;
  const qualityScore = metadata.data_quality_score ?? qualityScoreOf(fundamentals);
  const common = { provider, fetchedAt, qualityScore, combination: body.data.tickline_combination };
  if (body.data.tickline !== undefined) {
    const record = FundamentalsSchema.safeParse(body.data.tickline);
    if (!record.success)
      throw new CorruptSnapshotError(`invalid tickline record: ${record.error.issues[0]?.message ?? ''}`);
    return { ...common, symbol: record.data.symbol, record: record.data, legacy: false };
  }
  const record = legacyRecord(metadata.symbol.toUpperCase(), provider, fetchedAt, fundamentals);
  return { ...common, symbol: record.symbol, record, legacy: true };
}

/** The file text for a snapshot: readable by the old system (flat `fundamentals`) and by us (`tickline`). */
export function encodeSnapshot(snapshot: Omit<Snapshot, 'legacy' | 'qualityScore'>): string {
  const flat = legacyFlat(snapshot.record);
  if (snapshot.provider === COMBINED) {
    flat._metadata = {
      combination_strategy: strategyOf(snapshot.combination),
      field_sources: Object.fromEntries(
        Object.entries(snapshot.record.fields).map(([name, f]) => [legacyKeyOf(name), f.source]),
      ),
      providers_used: [...new Set(Object.values(snapshot.record.fields).map((f) => f.source))].sort(),
      combination_timestamp: naiveUtc(snapshot.fetchedAt),
    };
  }
  const body = {
    metadata: {
      provider: snapshot.provider,
      symbol: snapshot.symbol,
      timestamp: naiveUtc(snapshot.fetchedAt),
      cache_version: '1.0',
      data_quality_score: qualityScoreOf(flat),
    },
    fundamentals: flat,
    tickline: snapshot.record,
    ...(snapshot.combination === undefined ? {} : { tickline_combination: snapshot.combination }),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** The record as the old system's flat `fundamentals` object: legacy keys, bare values. */
export function legacyFlat(record: Fundamentals): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(record.fields)) flat[legacyKeyOf(name)] = field.value;
  return flat;
}

function legacyRecord(
  symbol: string,
  provider: string,
  fetchedAt: number,
  flat: Record<string, unknown>,
): Fundamentals {
  const sources = fieldSources(flat._metadata);
  const fields: Record<string, FundamentalField> = {};
  for (const [key, value] of Object.entries(flat)) {
    if (key.startsWith('_')) continue;
    if (
      !(typeof value === 'string' && value.trim() !== '') &&
      !(typeof value === 'number' && Number.isFinite(value))
    )
      continue;
    const name = fieldNameOf(key);
    const unit = isFieldName(name) ? FIELD_CATALOG[name].unit : undefined;
    const field: FundamentalField = {
      value: typeof value === 'string' ? value.trim() : value,
      source: canonicalProvider(sources[key] ?? provider),
      fetchedAt,
    };
    if (unit !== undefined && unit !== 'money' && unit !== 'text') field.unit = unit;
    fields[name] = field;
  }
  const currency =
    typeof flat.currency === 'string' && /^[A-Z]{3}$/.test(flat.currency) ? flat.currency : 'USD';
  const parsed = FundamentalsSchema.safeParse({ symbol, asOf: fetchedAt, currency, fields });
  if (!parsed.success)
    throw new CorruptSnapshotError(`legacy body does not convert: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

function fieldSources(meta: unknown): Record<string, string> {
  const parsed = z.looseObject({ field_sources: z.record(z.string(), z.string()) }).safeParse(meta);
  return parsed.success ? parsed.data.field_sources : {};
}

function strategyOf(combination: unknown): string {
  const parsed = z.looseObject({ strategy: z.string() }).safeParse(combination);
  return parsed.success ? parsed.data.strategy : 'unknown';
}

const LEGACY_TO_NAME = new Map(Object.entries(FIELD_CATALOG).map(([name, spec]) => [spec.legacyKey, name]));

/** Catalogue fields by their legacy key; other snake_case keys camelCased. */
export function fieldNameOf(legacyKey: string): string {
  return (
    LEGACY_TO_NAME.get(legacyKey) ?? legacyKey.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())
  );
}

export function legacyKeyOf(name: string): string {
  return isFieldName(name)
    ? FIELD_CATALOG[name].legacyKey
    : name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function qualityScoreOf(flat: Record<string, unknown>): number {
  let score = 0;
  for (const [key, weight] of Object.entries(QUALITY_WEIGHTS))
    if (flat[key] !== undefined && flat[key] !== null) score += weight;
  return Math.min(Math.round(score * 1000) / 1000, 1);
}

/** `YYYY-MM-DDTHH:MM:SS.mmm`, UTC without a zone: what Python's fromisoformat reads on every version. */
export function naiveUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 23);
}

/** An ISO time; without a zone (the old system's naive datetime.now()) it is read as UTC. */
export function parseNaiveUtc(text: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?$/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const fraction = match[3] ? match[3].slice(0, 4).padEnd(4, '0') : '.000';
  const ms = Date.parse(`${match[1]}T${match[2]}${fraction}${match[4] ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : ms;
}
