import {
  configReference,
  ENV_BINDINGS,
  loadConfig,
  redactConfig,
  type Env,
  type TicklineConfig,
} from '@tickline/config';
import type { ServiceDefinition } from '@tickline/runtime';
import { Command } from 'commander';
import { CliError } from './cliError';
import type { DemoServices } from './demo';
import type { ServiceRegistry } from './serviceRegistry';
// Types only: the modules themselves are required when needed (COMMAND_GROUPS).
import type * as StorageCommands from './storageCommands';
import type * as CareCommands from './care/careCommands';
import type * as VenueCommands from './venueCommands';
import type * as AggregateCommand from './aggregateCommand';
import type * as StatusCommand from './status/statusCommand';
import type * as BackfillCommands from './backfillCommands';
import type * as FundamentalsCommand from './fundamentalsCommand';
import type * as Registry from './serviceRegistry';
import type * as Demo from './demo';

/** What the CLI touches of the outside world; tests pass their own. */
export interface CliDeps {
  readonly env: Env;
  readonly registry: ServiceRegistry;
  readonly stdout: (text: string) => void;
  /** Resolves once stdout takes more (long outputs wait instead of queueing in memory). Default: at once. */
  readonly stdoutDrained?: () => Promise<void>;
  readonly stderr: (text: string) => void;
  /** Runs services until the process stops (`runServices` from @tickline/runtime). */
  readonly runServices: (services: readonly ServiceDefinition[], config: TicklineConfig) => Promise<unknown>;
  /** The services `tickline demo` runs; default the real ones. */
  readonly demoServices?: DemoServices;
}

function environmentHelp(): string {
  const names = ['TICKLINE_CONFIG', ...ENV_BINDINGS.map((b) => b.name)];
  const width = Math.max(...names.map((name) => name.length));
  const lines: string[] = [];
  for (let i = 0; i < names.length; i += 3) {
    lines.push(
      `  ${names
        .slice(i, i + 3)
        .map((name) => name.padEnd(width))
        .join('  ')}`.trimEnd(),
    );
  }
  return (
    `\nEnvironment (overrides the config file; secrets are read only from here):\n${lines.join('\n')}\n` +
    'Every setting with its default and variable: tickline config docs\n'
  );
}

type GetConfig = () => TicklineConfig;

/**
 * The command groups beside `run`, `config` and `demo`, in the order help lists them: the top-level
 * commands each defines and how to add them. A module is loaded only when one of its commands runs (or
 * for help): loading every command's dependencies (services, venues, BullMQ, ...) cost `tickline bars`
 * about a third of a second. `require` because the CommonJS build and jest both load it synchronously
 * (a dynamic import() is a real ES import under Node16 module settings, which jest cannot run).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading of command modules, see above */
const COMMAND_GROUPS: readonly {
  readonly commands: readonly string[];
  readonly add: (program: Command, deps: CliDeps, getConfig: GetConfig) => void;
}[] = [
  {
    commands: ['db', 'cache', 'bars'],
    add: (...args) => (require('./storageCommands') as typeof StorageCommands).addStorageCommands(...args),
  },
  {
    // Adds subcommands to db and cache: after the storage group.
    commands: ['db', 'cache'],
    add: (...args) => (require('./care/careCommands') as typeof CareCommands).addCareCommands(...args),
  },
  {
    commands: ['mock-venue', 'record'],
    add: (...args) => (require('./venueCommands') as typeof VenueCommands).addVenueCommands(...args),
  },
  {
    commands: ['aggregate'],
    add: (program, deps) =>
      (require('./aggregateCommand') as typeof AggregateCommand).addAggregateCommand(program, deps),
  },
  {
    commands: ['status'],
    add: (...args) => (require('./status/statusCommand') as typeof StatusCommand).addStatusCommand(...args),
  },
  {
    commands: ['backfill'],
    add: (...args) => (require('./backfillCommands') as typeof BackfillCommands).addBackfillCommands(...args),
  },
  {
    commands: ['fundamentals'],
    add: (...args) =>
      (require('./fundamentalsCommand') as typeof FundamentalsCommand).addFundamentalsCommand(...args),
  },
];
const serviceRegistryModule = () => require('./serviceRegistry') as typeof Registry;
const demoModule = () => require('./demo') as typeof Demo;
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The top-level command `argv` names (its first word that is not an option, skipping --config's value);
 * undefined when there is none.
 */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return argv[i + 1];
    if (arg === '--config') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function servicesHelp(registry: ServiceRegistry): string {
  const entries = Object.entries(registry);
  if (entries.length === 0) return '\nServices: none available yet.\n';
  const width = Math.max(...entries.map(([name]) => name.length));
  return `\nServices:\n${entries.map(([name, e]) => `  ${name.padEnd(width)}  ${e.summary}`).join('\n')}\n`;
}

/**
 * Builds the `tickline` command; `runCli` parses with it. Given the arguments, it defines only what they
 * need: the command group they name (every group when they name none of them, so help and unknown
 * commands see everything).
 */
export function createProgram(deps: CliDeps, argv?: readonly string[]): Command {
  const program = new Command('tickline')
    .description('Tickline market data: venue feeds, Redis Streams, OHLCV bars with quality, storage.')
    .option('--config <file>', 'config file, YAML or JSON (overrides TICKLINE_CONFIG)')
    .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr })
    .exitOverride()
    .addHelpText('after', environmentHelp());

  // One configuration per invocation, loaded on first use.
  let config: TicklineConfig | undefined;
  const getConfig = (file?: string): TicklineConfig => {
    config ??= loadConfig({ file: file ?? program.opts<{ config?: string }>().config, env: deps.env });
    return config;
  };

  program
    .command('run')
    .description('start services in this process until SIGTERM or SIGINT (graceful stop)')
    .argument('<service...>', "service names, or 'all'")
    .addHelpText('after', () => servicesHelp(deps.registry))
    .action(async (names: string[]) => {
      const loaded = getConfig();
      await deps.runServices(serviceRegistryModule().resolveServices(names, deps.registry), loaded);
    });

  const configCommand = program.command('config').description('validate and inspect the configuration');
  configCommand
    .command('check')
    .description(
      'validate the configuration and print it with secrets redacted (exit 1 listing every problem)',
    )
    .option('--file <file>', 'config file to check (default: --config, then TICKLINE_CONFIG)')
    .action((options: { file?: string }) => {
      const checked = getConfig(options.file);
      deps.stderr('configuration is valid; effective settings (secrets redacted):\n');
      deps.stdout(`${JSON.stringify(redactConfig(checked), null, 2)}\n`);
    });
  configCommand
    .command('docs')
    .description('print every setting with its type, default and environment variable (Markdown)')
    .action(() => deps.stdout(`${configReference()}\n`));

  const command = argv === undefined ? undefined : commandOf(argv);
  const named =
    ['run', 'config', 'demo'].includes(command ?? '') ||
    COMMAND_GROUPS.some((group) => group.commands.includes(command ?? ''));
  for (const group of COMMAND_GROUPS)
    if (!named || group.commands.includes(command!)) group.add(program, deps, () => getConfig());

  program
    .command('demo')
    .description(
      'replay the bundled Binance sessions through ingestor, aggregator and sink; print a summary; ' +
        'serve the dashboard (its address is printed first) until Ctrl-C',
    )
    .option('--speed <n|max>', 'replay speed: a multiple of real time, or max', 'max')
    .option('--limit <frames>', 'replay only the first frames of each session')
    .option('--exit', 'quit after the summary instead of serving the dashboard (scripts, CI)')
    .action(async (opts: { speed: string; limit?: string; exit?: boolean }) => {
      const speed = opts.speed === 'max' ? 'max' : Number(opts.speed);
      if (speed !== 'max' && !(Number.isFinite(speed) && speed > 0)) {
        throw new CliError(`--speed must be a positive number or max, got '${opts.speed}'`, 2);
      }
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
        throw new CliError(`--limit must be a positive integer, got '${opts.limit}'`, 2);
      }
      await demoModule().runDemo({
        speed,
        ...(limit === undefined ? {} : { limit }),
        env: deps.env,
        services: deps.demoServices ?? serviceRegistryModule().demoServices,
        stdout: deps.stdout,
        serve: opts.exit !== true,
        loadConfig: (overrides) =>
          loadConfig({
            file: program.opts<{ config?: string }>().config,
            env: { ...deps.env, ...overrides },
          }),
      });
    });

  return program;
}
