import { ConfigError } from '@tickline/config';
import { CommanderError } from 'commander';
import { CliError } from './cliError';
import { createProgram, type CliDeps } from './program';
import type * as Runtime from '@tickline/runtime';
import type * as Registry from './serviceRegistry';
import type { ServiceRegistry } from './serviceRegistry';

// Loaded on first use: most commands never run services, and the registry imports every one of them.
/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading, see createProgram */
const runtime = () => require('@tickline/runtime') as typeof Runtime;
const registry = () => (require('./serviceRegistry') as typeof Registry).serviceRegistry;
/* eslint-enable @typescript-eslint/no-require-imports */

export function defaultDeps(): CliDeps {
  return {
    env: process.env,
    get registry(): ServiceRegistry {
      return registry();
    },
    stdout: (text) => process.stdout.write(text),
    stdoutDrained: () =>
      process.stdout.writableNeedDrain
        ? new Promise((resolve) => process.stdout.once('drain', resolve))
        : Promise.resolve(),
    stderr: (text) => process.stderr.write(text),
    runServices: (services, config) => runtime().runServices(services, config),
  };
}

/**
 * Runs one `tickline` invocation; resolves with the exit code. For `run`, it resolves once the
 * services have started, and the runtime owns the process from then on (signals, exit code).
 */
export async function runCli(argv: readonly string[], deps: CliDeps = defaultDeps()): Promise<number> {
  try {
    await createProgram(deps, argv).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed its own usage errors and help.
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      deps.stderr(`tickline: ${error.message}\n`);
      return 1;
    }
    deps.stderr(`tickline: ${runtime().describeError(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
