import type { CombinationFlag } from './combine/combineFundamentals';
import type { SkippedProvider } from './createFundamentalsService';
import type { FundamentalsResult, ProviderFailure, ServedSnapshot } from './fundamentalsService';

/** One combined field as a reader needs it: the value, its unit, who said it and how long ago. */
export interface ReportField {
  field: string;
  value: number | string | null;
  unit?: string;
  /** Money figures only: the field's own currency, else the record's. */
  currency?: string;
  period?: string;
  source: string;
  fetchedAt: string;
  ageMs: number;
}

/** What `tickline fundamentals` prints: the combined view with provenance, flags and provider outcomes. */
export interface FundamentalsReport {
  symbol: string;
  strategy: string;
  /** True when every provider failed and only last good copies were served. */
  stale: boolean;
  fields: ReportField[];
  flags: CombinationFlag[];
  providers: { provider: string; origin: ServedSnapshot['origin']; fetchedAt: string; ageMs: number }[];
  failures: ProviderFailure[];
  skipped: SkippedProvider[];
}

/** The report of one result at time `now`, fields sorted by name. Pure. */
export function fundamentalsReport(
  result: FundamentalsResult,
  skipped: readonly SkippedProvider[],
  now: number,
): FundamentalsReport {
  const { record, combination } = result.combined;
  const fields = Object.entries(record.fields)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([field, f]) => ({
      field,
      value: f.value,
      ...(f.unit === undefined ? {} : { unit: f.unit }),
      // A number without a unit is money: in its own currency, else the record's; saying so keeps units explicit.
      ...(f.currency !== undefined || (f.unit === undefined && typeof f.value === 'number')
        ? { currency: f.currency ?? record.currency }
        : {}),
      ...(f.period === undefined ? {} : { period: f.period }),
      source: f.source,
      fetchedAt: new Date(f.fetchedAt).toISOString(),
      ageMs: Math.max(0, now - f.fetchedAt),
    }));
  return {
    symbol: result.symbol,
    strategy: combination.strategy,
    stale: result.stale,
    fields,
    flags: combination.flags,
    providers: result.served.map((s) => ({
      provider: s.provider,
      origin: s.origin,
      fetchedAt: new Date(s.snapshot.fetchedAt).toISOString(),
      ageMs: Math.max(0, now - s.snapshot.fetchedAt),
    })),
    failures: result.failures,
    skipped: [...skipped],
  };
}

/** A duration as its largest unit or two: 45s, 12m, 3h 5m, 4d 2h. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}
