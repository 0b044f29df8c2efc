import { SymbolSchema } from '@tickline/core';
import { StorageError, withFileLock } from '@tickline/storage';
import type { FundamentalsDataType } from './fieldCatalog';
import { FundamentalsError } from './fundamentalsError';
import type { FundamentalsSource } from './fundamentalsSource';
import type { CleanupPolicy } from './cache/cleanupPlan';
import { COMBINED, type Snapshot } from './cache/snapshotBody';
import {
  combineFundamentals,
  type CombinationStrategy,
  type CombinedFundamentals,
} from './combine/combineFundamentals';
import type { Tolerance } from './combine/consensus';
import type { ValidationBounds } from './combine/validateField';
import { SnapshotStore, type SweptFiles } from './cache/snapshotStore';
import { isFresh, resolveTtl, ttlMs, type TtlDays } from './cache/ttl';
import type { SnapshotHistorySink } from './history/snapshotHistory';

export interface FundamentalsServiceOptions {
  /** Root of the file cache (config `cache.dir`); files go under `{root}/fundamentals`. */
  root: string;
  /** The sources, in default priority order (FMP, Yahoo, Alpha Vantage). */
  sources: readonly FundamentalsSource[];
  /** TTL per data type in days [profile 14, ratios 3, statements 90, calendar 7, dividends 7, other 7]. */
  ttlDays?: Partial<TtlDays>;
  /** Longest wait for another process fetching the same symbol, ms [60000]. */
  lockTimeoutMs?: number;
  /** Which superseded files cleanup removes [CLEANUP_DEFAULTS: the newest 3 good copies per provider stay]. */
  cleanup?: CleanupPolicy;
  /** Told of every file cleanup deletes (for a metric and a log line) [nothing]. */
  onDeleted?: (deleted: SweptFiles) => void;
  /** How the providers' records are merged ['priority']. */
  strategy?: CombinationStrategy;
  /** When providers agree, for flags and consensus [5 % relative]. */
  tolerance?: Tolerance;
  /** What counts as an impossible value [P/E in (0, 1000], |beta| <= 10]. */
  bounds?: ValidationBounds;
  /** [Date.now] */
  now?: () => number;
  /** Where each fetched record and each new combined view is also recorded (PostgreSQL history) [none]. */
  history?: SnapshotHistorySink;
}

export interface GetFundamentalsOptions {
  /** Providers to ask, in priority order [every source, in the configured order]. */
  providers?: readonly string[];
  /** Fetch even when the cache is fresh [false]. */
  forceRefresh?: boolean;
  /** Judge freshness by this type's TTL [the shortest TTL among the types a snapshot holds]. */
  dataType?: FundamentalsDataType;
  /** Overrides the service's combination strategy for this call. */
  strategy?: CombinationStrategy;
}

/** Where one provider's snapshot in a result came from. */
export interface ServedSnapshot {
  provider: string;
  snapshot: Snapshot;
  /** 'cache' (fresh file), 'fetched' (just now), or 'stale' (last good file, the fetch failed). */
  origin: 'cache' | 'fetched' | 'stale';
}

export interface ProviderFailure {
  provider: string;
  code: string;
  message: string;
}

export interface FundamentalsResult {
  symbol: string;
  /** In priority order; providers with neither data nor cache are absent (see failures). */
  served: ServedSnapshot[];
  failures: ProviderFailure[];
  /** True when no provider gave fresh data: everything served is a last good copy. */
  stale: boolean;
  /** The providers merged field by field, each field with its provider and time; also saved as `combined`. */
  combined: CombinedFundamentals;
}

/**
 * Fundamentals through the file cache: fresh snapshots are served without a request; stale ones
 * are refetched under a per-symbol cross-process lock (so two processes make one request per
 * provider); a provider that fails is replaced by its last good snapshot, marked stale.
 */
export class FundamentalsService {
  readonly store: SnapshotStore;
  private readonly ttl: TtlDays;
  private readonly now: () => number;

  constructor(private readonly options: FundamentalsServiceOptions) {
    this.store = new SnapshotStore(options.root);
    this.ttl = resolveTtl(options.ttlDays);
    this.now = options.now ?? Date.now;
  }

  /** The cleanup policy after each fetch; the same one a cache sweep should use. */
  get cleanupPolicy(): CleanupPolicy | undefined {
    return this.options.cleanup;
  }

  async getFundamentals(
    requested: string,
    options: GetFundamentalsOptions = {},
  ): Promise<FundamentalsResult> {
    const symbol = normalizeSymbol(requested);
    const sources = this.pick(options.providers);
    const started = this.now();
    const stale = (cache: Latest) => sources.filter((s) => !this.usable(cache.get(s.name), options, started));
    const cached = await this.latest(symbol, sources);
    const served =
      stale(cached).length === 0
        ? this.result(symbol, sources, cached, new Map(), new Map())
        : await this.locked(symbol, () => this.refresh(symbol, sources, stale));
    return this.withCombined(served, options.strategy ?? this.options.strategy ?? 'priority');
  }

  private async refresh(
    symbol: string,
    sources: readonly FundamentalsSource[],
    stale: (cache: Latest) => FundamentalsSource[],
  ): Promise<Served> {
    // Re-read under the lock: the process that held it may have just fetched what we need.
    const current = await this.latest(symbol, sources);
    const fetched = new Map<string, Snapshot>();
    const failures = new Map<string, FundamentalsError>();
    for (const source of stale(current)) {
      try {
        fetched.set(source.name, await this.fetchOne(symbol, source));
      } catch (error) {
        if (!(error instanceof FundamentalsError)) throw error;
        failures.set(source.name, error);
      }
    }
    return this.result(symbol, sources, current, fetched, failures);
  }

  /** Merges what was served and saves it under `combined` unless an equal-or-newer combination is on file. */
  private async withCombined(served: Served, strategy: CombinationStrategy): Promise<FundamentalsResult> {
    const now = this.now();
    const inputs = served.served.map(({ provider, snapshot }) => ({
      provider,
      fetchedAt: snapshot.fetchedAt,
      record: snapshot.record,
    }));
    const combined = combineFundamentals(inputs, {
      strategy,
      now,
      tolerance: this.options.tolerance,
      bounds: this.options.bounds,
    });
    const newest = Math.max(...inputs.map((i) => i.fetchedAt));
    // Filed under the symbol asked for, whatever spelling a provider answered with (BRK.B vs BRK-B).
    const symbol = served.symbol;
    combined.record.symbol = symbol;
    const onFile = await this.store.latestGood(symbol, COMBINED);
    if (!onFile || onFile.fetchedAt < newest || !sameStrategy(onFile.combination, strategy)) {
      const record = combined.record;
      const written = await this.store.write({
        provider: COMBINED,
        symbol,
        fetchedAt: now,
        record,
        combination: combined.combination,
      });
      await this.cleanup(symbol, COMBINED);
      await this.options.history?.insert({
        symbol,
        provider: COMBINED,
        fetchedAt: now,
        record,
        combination: combined.combination,
        qualityScore: written.qualityScore,
      });
    }
    return { ...served, combined };
  }

  private async fetchOne(symbol: string, source: FundamentalsSource): Promise<Snapshot> {
    const fetchedAt = this.now();
    const record = await source.fetch(symbol, fetchedAt);
    const snapshot = await this.store.write({
      provider: source.name,
      symbol,
      fetchedAt,
      record,
    });
    await this.cleanup(symbol, source.name);
    // After the file: the cache stays the store of record; history is a copy of what was written.
    await this.options.history?.insert({
      symbol,
      provider: source.name,
      fetchedAt,
      record,
      qualityScore: snapshot.qualityScore,
    });
    return snapshot;
  }

  private async cleanup(symbol: string, provider: string): Promise<void> {
    const deleted = await this.store.cleanup(symbol, provider, this.options.cleanup);
    if (deleted.length > 0) this.options.onDeleted?.({ symbol, provider, deleted });
  }

  private result(
    symbol: string,
    sources: readonly FundamentalsSource[],
    cached: Latest,
    fetched: ReadonlyMap<string, Snapshot>,
    failures: ReadonlyMap<string, FundamentalsError>,
  ): Served {
    const served: ServedSnapshot[] = [];
    for (const { name } of sources) {
      const fresh = fetched.get(name);
      const old = cached.get(name);
      if (fresh) served.push({ provider: name, snapshot: fresh, origin: 'fetched' });
      else if (old)
        served.push({ provider: name, snapshot: old, origin: failures.has(name) ? 'stale' : 'cache' });
    }
    const failed = [...failures].map(([provider, e]) => ({ provider, code: e.code, message: e.message }));
    if (served.length === 0) {
      const why = failed.map((f) => `${f.provider} ${f.code}: ${f.message}`).join('; ');
      throw new FundamentalsError(
        'ALL_PROVIDERS_FAILED',
        `fundamentals: no provider served ${symbol} and the cache holds no copy (${why})`,
      );
    }
    return { symbol, served, failures: failed, stale: served.every((s) => s.origin === 'stale') };
  }

  /** Fresh for the requested data type; with forceRefresh, only what was fetched since the call began. */
  private usable(snapshot: Snapshot | undefined, options: GetFundamentalsOptions, started: number): boolean {
    if (!snapshot) return false;
    if (options.forceRefresh) return snapshot.fetchedAt >= started;
    const ttl = ttlMs(this.ttl, Object.keys(snapshot.record.fields), options.dataType);
    return isFresh(snapshot.fetchedAt, this.now(), ttl);
  }

  private async latest(symbol: string, sources: readonly FundamentalsSource[]): Promise<Latest> {
    const latest = new Map<string, Snapshot>();
    for (const { name } of sources) {
      const snapshot = await this.store.latestGood(symbol, name);
      if (snapshot) latest.set(name, snapshot);
    }
    return latest;
  }

  private pick(providers: readonly string[] | undefined): readonly FundamentalsSource[] {
    if (providers === undefined) return this.options.sources;
    return providers.map((name) => {
      const source = this.options.sources.find((s) => s.name === name);
      if (!source) {
        const known = this.options.sources.map((s) => s.name).join(', ');
        throw new FundamentalsError(
          'INVALID_INPUT',
          `fundamentals: unknown provider ${JSON.stringify(name)} (configured: ${known})`,
        );
      }
      return source;
    });
  }

  private async locked<T>(symbol: string, fn: () => Promise<T>): Promise<T> {
    const timeoutMs = this.options.lockTimeoutMs ?? 60_000;
    try {
      return await withFileLock(this.store.lockFileOf(symbol), fn, { timeoutMs });
    } catch (error) {
      if (error instanceof StorageError && error.code === 'CACHE_LOCKED') {
        throw new FundamentalsError('LOCK_TIMEOUT', `fundamentals: ${error.message}`);
      }
      throw error;
    }
  }
}

type Latest = ReadonlyMap<string, Snapshot>;
type Served = Omit<FundamentalsResult, 'combined'>;

/** Upper case and trimmed, as cache directories are named; anything else is INVALID_INPUT. */
function normalizeSymbol(requested: string): string {
  const parsed = SymbolSchema.safeParse(requested.trim().toUpperCase());
  if (!parsed.success)
    throw new FundamentalsError(
      'INVALID_INPUT',
      `fundamentals: ${parsed.error.issues[0]?.message ?? 'bad symbol'}`,
    );
  return parsed.data;
}

function sameStrategy(combination: unknown, strategy: CombinationStrategy): boolean {
  return (
    typeof combination === 'object' &&
    combination !== null &&
    (combination as { strategy?: unknown }).strategy === strategy
  );
}
