import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SnapshotStore } from '@tickline/fundamentals';
import { Registry } from 'prom-client';
import { CacheSweeper } from '../src/cacheSweeper';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tickline-sweeper-'));
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

/** A body the store reads as a good snapshot of the old system's layout. */
function body(provider: string, timestamp: string): string {
  return JSON.stringify({
    metadata: { provider, symbol: 'AAPL', timestamp },
    fundamentals: { market_cap: 1, pe_ratio: 2 },
  });
}

function capture() {
  const lines: { details: Record<string, unknown>; message: string }[] = [];
  const log = (details: Record<string, unknown>, message: string) => void lines.push({ details, message });
  return { lines, logger: { info: log, warn: log } };
}

describe('the fundamentals cache sweeper', () => {
  it('keeps the configured copies, and counts and logs what it deletes per provider', async () => {
    const dir = path.join(root, 'fundamentals', 'AAPL');
    await fs.mkdir(dir, { recursive: true });
    for (const day of ['01', '02', '03', '04']) {
      await fs.writeFile(
        path.join(dir, `fmp_202501${day}_000000.json`),
        body('fmp', `2025-01-${day}T00:00:00`),
      );
    }
    await fs.writeFile(path.join(dir, 'yahoo_20250101_000000.json'), body('yahoo', '2025-01-01T00:00:00'));
    const registry = new Registry();
    const { lines, logger } = capture();
    const sweeper = new CacheSweeper({ intervalMs: 3_600_000, registry, logger });

    sweeper.start(new SnapshotStore(root), { keepGood: 2 });
    await sweeper.sweepNow();
    await sweeper.sweepNow();

    expect((await fs.readdir(dir)).sort()).toEqual([
      'fmp_20250103_000000.json',
      'fmp_20250104_000000.json',
      'yahoo_20250101_000000.json',
    ]);
    const metric = await registry.getSingleMetric('tickline_fundamentals_cache_deleted_total')!.get();
    expect(metric.values).toEqual([{ labels: { provider: 'fmp' }, value: 2 }]);
    expect(lines).toEqual([
      {
        message: 'fundamentals: cache copies deleted',
        details: {
          symbol: 'AAPL',
          provider: 'fmp',
          deleted: expect.arrayContaining(['fmp_20250101_000000.json', 'fmp_20250102_000000.json']),
        },
      },
    ]);
    await sweeper.stop();
  });

  it('logs a sweep that fails and keeps going', async () => {
    const { lines, logger } = capture();
    const store = new SnapshotStore(root);
    jest.spyOn(store, 'sweep').mockRejectedValueOnce(new Error('EACCES: permission denied'));
    const sweeper = new CacheSweeper({ intervalMs: 3_600_000, registry: new Registry(), logger });
    sweeper.start(store, undefined);
    await sweeper.sweepNow();
    expect(lines.map((l) => l.message)).toEqual([
      'fundamentals: cache sweep failed; retried at the next interval',
    ]);
    await expect(sweeper.sweepNow()).resolves.toBeUndefined();
    await sweeper.stop();
  });
});
