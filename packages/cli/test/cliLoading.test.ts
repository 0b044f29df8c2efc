import { join } from 'node:path';
import { spawnTs } from '@tickline/testkit';
import { commandOf, createProgram, type CliDeps } from '../src/program';

const deps: CliDeps = {
  env: {},
  registry: {},
  stdout: () => undefined,
  stderr: () => undefined,
  runServices: () => Promise.resolve(),
};

/** The exit code of `tickline <argv>` and the project files it loaded (support/loadedModules.ts). */
async function loadedBy(argv: string[]): Promise<{ code: number; loaded: string[] }> {
  const child = spawnTs(join(__dirname, 'support', 'loadedModules.ts'), argv);
  await child.exited;
  return JSON.parse(child.stdout().trimEnd().split('\n').at(-1)!) as { code: number; loaded: string[] };
}

test('commandOf finds the command word past options and the value of --config', () => {
  expect(commandOf(['bars', '--venue', 'binance'])).toBe('bars');
  expect(commandOf(['--config', 'run', 'cache', 'verify'])).toBe('cache');
  expect(commandOf(['--config=x.yaml', '-h', 'db'])).toBe('db');
  expect(commandOf(['--', 'status'])).toBe('status');
  expect(commandOf(['--help'])).toBeUndefined();
});

test('a command gets only its own group of commands; none named, or an unknown one, gets them all', () => {
  const names = (argv?: string[]) => createProgram(deps, argv).commands.map((command) => command.name());
  const all = names();
  expect(all).toEqual(expect.arrayContaining(['run', 'config', 'db', 'cache', 'bars', 'status', 'backfill']));
  expect(names(['bars', '--source', 'cache'])).toEqual(['run', 'config', 'db', 'cache', 'bars', 'demo']);
  expect(names(['run', 'sink'])).toEqual(['run', 'config', 'demo']);
  expect(names(['--help'])).toEqual(all);
  expect(names(['no-such-command'])).toEqual(all);
  // db gets the care subcommands too.
  const db = createProgram(deps, ['db', 'stats']).commands.find((command) => command.name() === 'db');
  expect(db?.commands.map((command) => command.name())).toEqual(expect.arrayContaining(['migrate', 'stats']));
});

test('tickline bars loads no service, venue, runtime or other command module', async () => {
  const { code, loaded } = await loadedBy(['bars', '--help']);
  expect(code).toBe(0);
  expect(loaded).toContain('packages/cli/src/storageCommands.ts');
  loaded.splice(loaded.indexOf('packages/cli/src/storageCommands.ts'), 1);
  expect(
    loaded.filter((file) =>
      /^services\/|^packages\/(venues|history|providers|runtime|aggregation)\/|serviceRegistry|Commands?\.ts$/.test(
        file,
      ),
    ),
  ).toEqual([]);
}, 20_000);

test('tickline backfill loads the backfill service only: not the service registry, no other service', async () => {
  const { code, loaded } = await loadedBy(['backfill', 'status', '--help']);
  expect(code).toBe(0);
  expect(loaded).toContain('services/backfill/src/backfillQueues.ts');
  expect(loaded.filter((file) => /serviceRegistry|^services\/(?!backfill\/)/.test(file))).toEqual([]);
}, 20_000);
