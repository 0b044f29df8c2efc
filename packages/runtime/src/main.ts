import { createScrubber, secretsOf, type TicklineConfig } from '@tickline/config';
import { startApp, type App } from './app';
import { createLogger, type Logger } from './logger';
import { describeError } from './runtimeError';
import type { ServiceDefinition } from './service';

/** The parts of `process` the runner touches, so a test can pass its own. */
export interface ProcessLike {
  on(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (reason: unknown) => void): unknown;
  exit(code: number): void;
  readonly stderr: { write(text: string): unknown };
}

export interface RunOptions {
  /** Default: `createLogger({ config })`. */
  readonly logger?: Logger;
  /** Default: `process`. */
  readonly process?: ProcessLike;
}

/**
 * Runs services until a signal: the thin "main" around {@link startApp}. SIGTERM or SIGINT stops
 * gracefully (draining in-flight work) and exits 0; a second signal forces exit. A start failure,
 * a service's fatal error, an unhandled rejection or an uncaught exception prints one line
 * `tickline: fatal: ...` on stderr, stops what runs, and exits 1. So does a stop that outlasts
 * `runtime.shutdownTimeoutMs`.
 */
export function runServices(
  services: readonly ServiceDefinition[],
  config: TicklineConfig,
  options: RunOptions = {},
): Promise<App | undefined> {
  const proc = options.process ?? process;
  const logger = options.logger ?? createLogger({ config });
  const scrub = createScrubber(secretsOf(config).map((s) => s.value));
  const abort = new AbortController();
  let stopping = false;

  const fatal = (message: string) => {
    const line = scrub(message).replace(/\s*\n\s*/g, ' ');
    logger.fatal(line);
    proc.stderr.write(`tickline: fatal: ${line}\n`);
  };
  const starting = startApp({ services, config, logger, signal: abort.signal, heartbeats: true }).catch(
    (error: unknown) => {
      if (!stopping) {
        fatal(describeError(error));
        proc.exit(1);
      }
      return undefined;
    },
  );

  const shutdown = (code: number) => {
    stopping = true;
    abort.abort();
    const deadline = setTimeout(() => {
      fatal(`services did not stop within ${config.runtime.shutdownTimeoutMs} ms; exiting anyway`);
      proc.exit(1);
    }, config.runtime.shutdownTimeoutMs);
    void (async () => {
      let exitCode = code;
      try {
        await (await starting)?.close();
        logger.info(`all services stopped; exiting with code ${exitCode}`);
      } catch (error) {
        fatal(describeError(error));
        exitCode = 1;
      }
      clearTimeout(deadline);
      proc.exit(exitCode);
    })();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      fatal(`received ${signal} again; forcing exit`);
      proc.exit(signal === 'SIGINT' ? 130 : 143); // 128 + signal number, as a shell reports it
      return;
    }
    logger.info(
      { signal },
      `received ${signal}; stopping gracefully, draining in-flight work (send again to force)`,
    );
    shutdown(0);
  };
  const onFatal = (what: string) => (reason: unknown) => {
    fatal(`${what}: ${describeError(reason)}`);
    if (!stopping) shutdown(1);
  };
  proc.on('SIGTERM', onSignal);
  proc.on('SIGINT', onSignal);
  proc.on('unhandledRejection', onFatal('unhandled rejection'));
  proc.on('uncaughtException', onFatal('uncaught exception'));

  return starting.then((app) => {
    if (app === undefined) return undefined;
    logger.info(`running ${services.map((s) => `'${s.name}'`).join(', ')}; health and metrics at ${app.url}`);
    void app.failed.then((error) => {
      fatal(error.message);
      if (!stopping) shutdown(1);
    });
    return app;
  });
}
