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
import { runDemo, type DemoServices } from './demo';
import { demoServices, resolveServices, type ServiceRegistry } from './serviceRegistry';
import { addVenueCommands } from './venueCommands';
import { addStorageCommands } from './storageCommands';
import { addAggregateCommand } from './aggregateCommand';
import { addStatusCommand } from './status/statusCommand';
import { addCareCommands } from './care/careCommands';
import { addBackfillCommands } from './backfillCommands';
import { addFundamentalsCommand } from './fundamentalsCommand';

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

function servicesHelp(registry: ServiceRegistry): string {
  const entries = Object.entries(registry);
  if (entries.length === 0) return '\nServices: none available yet.\n';
  const width = Math.max(...entries.map(([name]) => name.length));
  return `\nServices:\n${entries.map(([name, e]) => `  ${name.padEnd(width)}  ${e.summary}`).join('\n')}\n`;
}

/** Builds the `tickline` command; `runCli` parses with it. */
export function createProgram(deps: CliDeps): Command {
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
    .addHelpText('after', servicesHelp(deps.registry))
    .action(async (names: string[]) => {
      const loaded = getConfig();
      await deps.runServices(resolveServices(names, deps.registry), loaded);
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

  addStorageCommands(program, deps, () => getConfig());
  addCareCommands(program, deps, () => getConfig());

  addVenueCommands(program, deps, () => getConfig());
  addAggregateCommand(program, deps);

  addStatusCommand(program, deps, () => getConfig());
  addBackfillCommands(program, deps, () => getConfig());
  addFundamentalsCommand(program, deps, () => getConfig());

  program
    .command('demo')
    .description('replay the bundled Binance sessions through ingestor, aggregator and sink; print a summary')
    .option('--speed <n|max>', 'replay speed: a multiple of real time, or max', 'max')
    .option('--limit <frames>', 'replay only the first frames of each session')
    .action(async (opts: { speed: string; limit?: string }) => {
      const speed = opts.speed === 'max' ? 'max' : Number(opts.speed);
      if (speed !== 'max' && !(Number.isFinite(speed) && speed > 0)) {
        throw new CliError(`--speed must be a positive number or max, got '${opts.speed}'`, 2);
      }
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
        throw new CliError(`--limit must be a positive integer, got '${opts.limit}'`, 2);
      }
      await runDemo({
        speed,
        ...(limit === undefined ? {} : { limit }),
        env: deps.env,
        services: deps.demoServices ?? demoServices,
        stdout: deps.stdout,
        loadConfig: (overrides) =>
          loadConfig({
            file: program.opts<{ config?: string }>().config,
            env: { ...deps.env, ...overrides },
          }),
      });
    });

  return program;
}
