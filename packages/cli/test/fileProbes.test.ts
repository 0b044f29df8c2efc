// Issue 22, point 6: the probes against the CLI's file readers, replayed. Each must end with a
// clear error naming the file and line, in bounded time and memory.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeCachedBars, yearFile } from '@tickline/storage';
import { spawnTs } from '@tickline/testkit';
import { series } from '../../storage/test/bars';
import { captureCli } from './support/captureCli';

const main = path.join(__dirname, '..', 'src', 'main.ts');
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'tickline-aggregate-probes-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const aggregate = (file: string) => captureCli(['aggregate', '--in', file, '--timeframe', '1m']);

const tooLong = (file: string, line: number) =>
  `${file}:${line}: line longer than 1048576 characters (the limit for line-oriented files); wrong file?`;

describe('tickline aggregate against hostile input', () => {
  it('the process fails fast on --in /dev/zero with the line-length error, in a 64 MB heap', async () => {
    const started = Date.now();
    const run = spawnTs(main, ['aggregate', '--in', '/dev/zero', '--timeframe', '1m'], {
      NODE_OPTIONS: '--max-old-space-size=64',
    });
    const stop = setTimeout(() => run.child.kill('SIGKILL'), 20_000); // a reader without a limit never ends
    const { code } = await run.exited;
    clearTimeout(stop);
    expect(run.stderr()).toBe(`tickline: ${tooLong('/dev/zero', 1)}\n`);
    expect(code).toBe(1);
    expect(run.stdout()).toBe('');
    expect(Date.now() - started).toBeLessThan(20_000); // most of it is starting the CLI from source
  });

  it('one 50 MB line, gzip-compressed to a few KB: the error after the first MiB, not the whole line', async () => {
    const trade = { venue: 'binance', symbol: 'BTCUSDT', ts: 1, price: 1, size: 1, side: 'buy' };
    const [line, next] = [JSON.stringify({ ...trade, id: '1' }), JSON.stringify({ ...trade, id: '2' })];
    const bomb = path.join(dir, 'bomb.jsonl.gz');
    writeFileSync(bomb, gzipSync(`${line}\n${next}\n${'x'.repeat(50 * 1024 * 1024)}\n`));
    const heapBefore = process.memoryUsage().heapUsed;
    const result = await aggregate(bomb);
    expect(result.stderr).toBe(`tickline: ${tooLong(bomb, 3)}\n`);
    expect(result.code).toBe(1);
    expect(result.ms).toBeLessThan(2000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(40 * 1024 * 1024);
  });

  it('a long line that ends is refused with its number, in plain files too', async () => {
    const file = path.join(dir, 'long.jsonl');
    writeFileSync(file, `\n\n${'{'.repeat(1024 * 1024 + 1)}\n`);
    const result = await aggregate(file);
    expect(result.stderr).toBe(`tickline: ${tooLong(file, 3)}\n`);
    expect(result.code).toBe(1);
  });
});

describe('tickline cache verify', () => {
  it('lists symbolic links with their targets as problems and exits 1; bars refuses them', async () => {
    const root = path.join(dir, 'cache');
    await writeCachedBars(root, series(2));
    const link = yearFile(root, 'BTCUSDT', '1h', 2024);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync('/etc/passwd', link);
    const verify = await captureCli(['cache', 'verify'], { TICKLINE_CACHE_DIR: root });
    expect(verify.stdout).toBe(
      `${link}: symlink: symbolic link to /etc/passwd; the cache never follows links: replace it with the real file or directory, or remove it\n` +
        'checked 1 files, 1 with problems\n',
    );
    expect(verify.code).toBe(1);
    const bars = await captureCli(
      [
        'bars',
        '--venue',
        'binance',
        '--symbol',
        'BTCUSDT',
        '--timeframe',
        '1h',
        '--from',
        '2024-01-01',
        '--to',
        '2025-01-01',
        '--source',
        'cache',
      ],
      { TICKLINE_CACHE_DIR: root },
    );
    expect(bars.code).toBe(1);
    expect(bars.stderr).toContain(`${link} is a symbolic link (to /etc/passwd)`);
    expect(bars.stdout).not.toContain('root:');
  });
});
