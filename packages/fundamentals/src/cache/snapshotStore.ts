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
  async cleanup(symbol: string, provider: string, policy?: CleanupPolicy): Promise<string[]> {
    const files = (await this.files(symbol)).filter((f) => f.provider === provider);
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
    for (const name of doomed) await fs.rm(path.join(this.dirOf(symbol), name), { force: true });
    return doomed;
  }

  /**
   * Cleans every symbol and provider in the cache (a maintenance sweep); returns what went. Safe
   * beside writers: whatever it sees, the newest good copy of each provider stays.
   */
  async sweep(policy?: CleanupPolicy): Promise<{ symbol: string; provider: string; deleted: string[] }[]> {
    const top = path.join(this.root, 'fundamentals');
    const symbols = await fs.readdir(top, { withFileTypes: true }).catch(() => []);
    const report = [];
    for (const entry of symbols.filter((e) => e.isDirectory())) {
      const providers = new Set((await this.files(entry.name)).map((f) => f.provider));
      for (const provider of providers) {
        const deleted = await this.cleanup(entry.name, provider, policy);
        if (deleted.length > 0) report.push({ symbol: entry.name, provider, deleted });
      }
    }
    return report;
  }

  private async files(symbol: string): Promise<StoredFile[]> {
    const dir = this.dirOf(symbol);
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
