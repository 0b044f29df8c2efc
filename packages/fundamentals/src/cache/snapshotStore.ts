import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '@tickline/storage';
import { FundamentalsError } from '../fundamentalsError';
import { planCleanup, type CacheEntry, type CleanupPolicy } from './cleanupPlan';
import {
  CorruptSnapshotError,
  decodeSnapshot,
  encodeSnapshot,
  legacyFlat,
  qualityScoreOf,
  type Snapshot,
} from './snapshotBody';
import { parseSnapshotFileName, snapshotFileName, type ParsedFileName } from './snapshotFileName';

/** Where `restore` moves the copies it rolls back, inside the symbol's folder. */
export const ROLLED_BACK_DIR = 'rolled-back';

/** What a sweep deleted of one provider in one symbol's folder. */
export interface SweptFiles {
  symbol: string;
  provider: string;
  deleted: string[];
}

export interface RestoreOptions {
  /** Providers to roll back (`combined` included) [every provider with a file on record]. */
  providers?: readonly string[];
  /** The newest copy fetched at or before `at`, from elsewhere (PostgreSQL history) [none]. */
  fromHistory?: (
    provider: string,
    at: number,
  ) => Promise<Omit<Snapshot, 'legacy' | 'qualityScore'> | undefined>;
}

/** What `restore` did for one provider. */
export interface RestoreOutcome {
  provider: string;
  /** The file now served; absent when no copy at or before the time exists (nothing was changed). */
  restored?: string;
  /** Later copies moved to `rolled-back/`. */
  movedAside: string[];
}

interface StoredFile extends ParsedFileName {
  name: string;
  file: string;
}

/**
 * The fundamentals part of the file cache: `{root}/fundamentals/{SYMBOL}/{provider}_{YYYYMMDD}_{HHMMSS}.json`.
 * Writes are atomic (temporary file, fsync, rename); reads skip corrupt files.
 */
export class SnapshotStore {
  constructor(readonly root: string) {}

  dirOf(symbol: string): string {
    if (symbol === '' || /[/\\]|^\.\.?$/.test(symbol)) {
      throw new FundamentalsError(
        'INVALID_INPUT',
        `fundamentals: symbol ${JSON.stringify(symbol)} cannot name a cache directory`,
      );
    }
    return path.join(this.root, 'fundamentals', symbol.toUpperCase());
  }

  /** The lock file that serialises fetching `symbol` across processes. */
  lockFileOf(symbol: string): string {
    return path.join(this.dirOf(symbol), '.fetch.lock');
  }

  /** The newest snapshot of `provider` that reads as valid, or undefined. */
  async latestGood(symbol: string, provider: string): Promise<Snapshot | undefined> {
    const files = (await this.files(symbol)).filter((f) => f.provider === provider);
    for (const file of files.sort((a, b) => b.timestamp - a.timestamp)) {
      const snapshot = await this.tryRead(file);
      if (snapshot) return snapshot;
    }
    return undefined;
  }

  /** Writes a snapshot under its provider and fetch time; returns it as a later read would. */
  async write(snapshot: Omit<Snapshot, 'legacy' | 'qualityScore'>): Promise<Snapshot> {
    const name = snapshotFileName(snapshot.provider, snapshot.fetchedAt);
    await writeFileAtomic(path.join(this.dirOf(snapshot.symbol), name), encodeSnapshot(snapshot));
    return { ...snapshot, qualityScore: qualityScoreOf(legacyFlat(snapshot.record)), legacy: false };
  }

  /** Deletes the provider's superseded and corrupt files, never its newest good one; returns their names. */
  cleanup(symbol: string, provider: string, policy?: CleanupPolicy): Promise<string[]> {
    return this.cleanupIn(this.dirOf(symbol), provider, policy);
  }

  /**
   * Cleans every symbol and provider in the cache (a maintenance sweep), the rolled-back copies of
   * `restore` included (same policy); returns what went. Safe beside writers: whatever it sees, the
   * newest good copy of each provider stays.
   */
  async sweep(policy?: CleanupPolicy): Promise<SweptFiles[]> {
    const top = path.join(this.root, 'fundamentals');
    const symbols = await fs.readdir(top, { withFileTypes: true }).catch(() => []);
    const report: SweptFiles[] = [];
    for (const entry of symbols.filter((e) => e.isDirectory())) {
      const dir = this.dirOf(entry.name);
      for (const where of [dir, path.join(dir, ROLLED_BACK_DIR)]) {
        const providers = new Set((await this.filesIn(where)).map((f) => f.provider));
        for (const provider of providers) {
          const deleted = await this.cleanupIn(where, provider, policy);
          if (deleted.length > 0) report.push({ symbol: entry.name, provider, deleted });
        }
      }
    }
    return report;
  }

  /**
   * Rolls `symbol` back to what was served at `at`: per provider (every provider on file, or the ones
   * named), the newest good copy fetched at or before `at` (to the second) becomes the newest again, and
   * every later copy moves to `rolled-back/` beside it (kept, so a restore can itself be undone by moving
   * them back). A provider with no such copy in the cache takes one from `fromHistory` (the PostgreSQL
   * history) when given, else is left untouched and reported without `restored`.
   */
  async restore(symbol: string, at: number, options: RestoreOptions = {}): Promise<RestoreOutcome[]> {
    const files = await this.files(symbol);
    const providers = options.providers ?? [...new Set(files.map((f) => f.provider))].sort();
    const outcomes: RestoreOutcome[] = [];
    for (const provider of providers) {
      const own = files.filter((f) => f.provider === provider);
      const restored =
        (await this.newestGoodAtOrBefore(own, at)) ??
        (await this.writeFromHistory(symbol, provider, at, options.fromHistory));
      if (restored === undefined) {
        outcomes.push({ provider, movedAside: [] });
        continue;
      }
      // Everything newer than the restored copy, corrupt copies too, so that it is the newest again.
      const later = own.filter((f) => f.timestamp > restored.timestamp);
      await this.moveAside(symbol, later);
      outcomes.push({ provider, restored: restored.name, movedAside: later.map((f) => f.name).sort() });
    }
    return outcomes;
  }

  private async newestGoodAtOrBefore(
    files: readonly StoredFile[],
    at: number,
  ): Promise<StoredFile | undefined> {
    const candidates = files.filter((f) => f.timestamp <= at).sort((a, b) => b.timestamp - a.timestamp);
    for (const file of candidates) if (await this.tryRead(file)) return file;
    return undefined;
  }

  private async writeFromHistory(
    symbol: string,
    provider: string,
    at: number,
    fromHistory: RestoreOptions['fromHistory'],
  ): Promise<{ name: string; timestamp: number } | undefined> {
    const copy = await fromHistory?.(provider, at);
    if (!copy || copy.fetchedAt > at) return undefined;
    await this.write({ ...copy, symbol: symbol.toUpperCase(), provider });
    const name = snapshotFileName(provider, copy.fetchedAt);
    return { name, timestamp: parseSnapshotFileName(name)!.timestamp };
  }

  private async moveAside(symbol: string, files: readonly StoredFile[]): Promise<void> {
    if (files.length === 0) return;
    const aside = path.join(this.dirOf(symbol), ROLLED_BACK_DIR);
    await fs.mkdir(aside, { recursive: true });
    for (const file of files) await fs.rename(file.file, path.join(aside, file.name));
  }

  private async cleanupIn(dir: string, provider: string, policy?: CleanupPolicy): Promise<string[]> {
    const files = (await this.filesIn(dir)).filter((f) => f.provider === provider);
    const entries: CacheEntry[] = [];
    for (const file of files) {
      const stat = await fs.stat(file.file).catch(() => undefined);
      if (!stat) continue;
      entries.push({
        name: file.name,
        timestamp: file.timestamp,
        good: (await this.tryRead(file)) !== undefined,
        mtimeMs: stat.mtimeMs,
      });
    }
    // The wall clock, not an injected one: it is compared with file modification times.
    const doomed = planCleanup(entries, Date.now(), policy);
    for (const name of doomed) await fs.rm(path.join(dir, name), { force: true });
    return doomed;
  }

  private files(symbol: string): Promise<StoredFile[]> {
    return this.filesIn(this.dirOf(symbol));
  }

  private async filesIn(dir: string): Promise<StoredFile[]> {
    const names = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return names.flatMap((name) => {
      const parsed = parseSnapshotFileName(name);
      return parsed ? [{ ...parsed, name, file: path.join(dir, name) }] : [];
    });
  }

  private async tryRead(file: StoredFile): Promise<Snapshot | undefined> {
    try {
      return decodeSnapshot(await fs.readFile(file.file, 'utf8'), file.timestamp);
    } catch (error) {
      if (error instanceof CorruptSnapshotError || (error as NodeJS.ErrnoException).code === 'ENOENT')
        return undefined;
      throw error;
    }
  }
}
