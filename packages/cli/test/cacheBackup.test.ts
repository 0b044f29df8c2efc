import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, type CliDeps } from '@tickline/cli';
import { readCachedBars, verifyCache, writeCachedBars, yearFile } from '@tickline/storage';
import * as tar from 'tar';
import { series } from '../../storage/test/bars';

let dir: string;
let root: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cachebackup-'));
  root = path.join(dir, 'cache');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    env: { TICKLINE_CACHE_DIR: root },
    registry: {},
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    runServices: () => Promise.resolve(),
  };
  return { code: await runCli(argv, deps), stdout, stderr };
}

const FROM = Date.UTC(2025, 11, 31, 12);
const query = { symbol: 'BTCUSDT', timeframe: '1m', from: FROM, to: FROM + 86_400_000 } as const;

/** A cache with bars across a year boundary (two year files, their metadata and the index). */
async function populate(): Promise<void> {
  await writeCachedBars(root, series(24 * 60, { from: FROM }));
}

test('cache backup then restore brings back deleted and corrupted files exactly', async () => {
  await populate();
  const before = await readCachedBars(root, query);
  expect(before).toHaveLength(24 * 60);
  const archive = path.join(dir, 'cache.tar.gz');
  const backup = await cli(['cache', 'backup', '--out', archive]);
  expect(backup).toMatchObject({
    code: 0,
    stdout: expect.stringMatching(/^wrote .*cache\.tar\.gz: \d+ files/),
  });

  const y2025 = yearFile(root, 'BTCUSDT', '1m', 2025);
  const y2026 = yearFile(root, 'BTCUSDT', '1m', 2026);
  fs.rmSync(y2025);
  const bytes = fs.readFileSync(y2026);
  bytes[bytes.length >> 1]! ^= 0xff;
  fs.writeFileSync(y2026, bytes);
  expect((await verifyCache(root)).bad.length).toBeGreaterThan(0);

  const restore = await cli(['cache', 'restore', '--in', archive]);
  expect(restore).toMatchObject({ code: 0, stdout: expect.stringMatching(/every checksum verified/) });
  expect((await verifyCache(root)).bad).toEqual([]);
  expect(await readCachedBars(root, query)).toEqual(before);
  expect(fs.readdirSync(root).filter((name) => name.startsWith('.backup'))).toEqual([]);
});

test('a tampered or foreign archive is refused and the cache left as it was', async () => {
  await populate();
  const archive = path.join(dir, 'cache.tar.gz');
  expect((await cli(['cache', 'backup', '--out', archive])).code).toBe(0);

  // Unpack, change one byte of one data file, pack again: the manifest no longer matches.
  const unpacked = path.join(dir, 'unpacked');
  fs.mkdirSync(unpacked);
  await tar.x({ file: archive, cwd: unpacked });
  const inside = path.join(unpacked, 'cache', path.relative(root, yearFile(root, 'BTCUSDT', '1m', 2026)));
  const bytes = fs.readFileSync(inside);
  bytes[10]! ^= 0x01;
  fs.writeFileSync(inside, bytes);
  const tampered = path.join(dir, 'tampered.tar.gz');
  await tar.c({ gzip: true, file: tampered, cwd: unpacked }, ['manifest.json', 'cache']);

  fs.rmSync(root, { recursive: true });
  await populate();
  const cacheBefore = fs.readFileSync(yearFile(root, 'BTCUSDT', '1m', 2026));
  fs.rmSync(yearFile(root, 'BTCUSDT', '1m', 2025));

  const refused = await cli(['cache', 'restore', '--in', tampered]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/failed verification, nothing was restored/);
  expect(refused.stderr).toMatch(/BTCUSDT\/1m\/2026\.csv\.gz: checksum mismatch/);
  expect(fs.existsSync(yearFile(root, 'BTCUSDT', '1m', 2025))).toBe(false);
  expect(fs.readFileSync(yearFile(root, 'BTCUSDT', '1m', 2026))).toEqual(cacheBefore);

  const foreign = path.join(dir, 'foreign.tar.gz');
  fs.writeFileSync(path.join(dir, 'note.txt'), 'hello');
  await tar.c({ gzip: true, file: foreign, cwd: dir }, ['note.txt']);
  expect((await cli(['cache', 'restore', '--in', foreign])).stderr).toMatch(/has no manifest\.json/);
  fs.writeFileSync(path.join(dir, 'junk.tar.gz'), 'not gzip at all');
  expect((await cli(['cache', 'restore', '--in', path.join(dir, 'junk.tar.gz')])).stderr).toMatch(
    /not a readable gzip tarball/,
  );
});
