import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The runtime's test support runs TypeScript sources in a child process without a build.
import { spawnTs } from '@tickline/testkit';

const main = join(__dirname, '..', 'src', 'main.ts');
let dir: string;
let badFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickline-cli-'));
  badFile = join(dir, 'bad.yaml');
  writeFileSync(
    badFile,
    [
      'redis:',
      '  commandTimeoutMs: abc',
      '  password: in-the-file',
      'metrics: { port: 99999 }',
      'instruments: [binance-BTCUSDT]',
      'log: { level: chatty }',
      'colour: blue',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const expectedLines = (file: string) => [
  `redis.password: secrets are not read from files; put it in the environment as REDIS_PASSWORD (from file ${file})`,
  `redis.commandTimeoutMs: expected a positive integer, got "abc" (from file ${file})`,
  `metrics.port: expected a port number 0-65535 (0 picks a free port), got 99999 (from file ${file})`,
  `instruments.0: expected "venue:SYMBOL", e.g. "binance:BTCUSDT", got "binance-BTCUSDT" (from file ${file})`,
  `log.level: expected one of fatal, error, warn, info, debug, trace, silent, got "chatty" (from file ${file})`,
  `colour: unknown setting (see packages/config/README.md) (from file ${file})`,
];

describe('the tickline process with an invalid config file', () => {
  it.each([
    ['config check', (file: string) => ['config', 'check', '--file', file], {}],
    ['run all (TICKLINE_CONFIG)', () => ['run', 'all'], { TICKLINE_CONFIG: 'FILE' }],
    ['run all (--config)', (file: string) => ['--config', file, 'run', 'all'], {}],
  ])('%s prints every error with its path and exits 1', async (_name, args, extraEnv) => {
    const env = Object.fromEntries(Object.entries(extraEnv).map(([k, v]) => [k, v === 'FILE' ? badFile : v]));
    const run = spawnTs(main, args(badFile), env);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stdout()).toBe('');
    const stderr = run.stderr();
    expect(stderr).toMatch(/^tickline: invalid configuration \(6 problems\):\n/);
    for (const line of expectedLines(badFile)) expect(stderr).toContain(`\n  ${line}`);
    expect(stderr).not.toContain('in-the-file');
  });

  it('exits 1 naming the file when it does not exist', async () => {
    const run = spawnTs(main, ['config', 'check'], { TICKLINE_CONFIG: join(dir, 'absent.yaml') });
    expect((await run.exited).code).toBe(1);
    expect(run.stderr()).toContain(`cannot read it (ENOENT) (from file ${join(dir, 'absent.yaml')})`);
  });
});
