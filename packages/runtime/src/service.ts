import type { TicklineConfig } from '@tickline/config';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { RuntimeError } from './runtimeError';

/** What the runtime gives a service when it starts it. */
export interface ServiceContext {
  readonly name: string;
  readonly config: TicklineConfig;
  /** Child logger whose lines carry `service: name`. */
  readonly logger: Logger;
  /** The process's registry; metric names start with `tickline_`. */
  readonly metrics: Registry;
  /** Aborted when the process begins to stop: stop taking new work. */
  readonly signal: AbortSignal;
  /** Reports an unrecoverable background error: every service is stopped and the process exits non-zero. */
  fail(error: unknown): void;
}

/**
 * One readiness check. Passes unless it throws (the message is the reason shown by `/readyz`) or
 * returns false. Checks run on every `/readyz` request, with a timeout; keep them cheap (e.g. PING).
 */
export type ReadinessCheck = () => void | boolean | Promise<void | boolean>;

/** A started service. */
export interface RunningService {
  /** Named checks of the service's own state and of its dependencies (`redis`, `database`, ...). */
  readonly checks?: Readonly<Record<string, ReadinessCheck>>;
  /** Stops taking work, finishes what is in flight, releases resources. Called once. */
  stop(): Promise<void>;
}

export interface ServiceDefinition {
  /** Lower-case name used by `tickline run <name>`, logs and metrics. */
  readonly name: string;
  /** Resolves once the service is running; a rejection is a fatal start error. */
  start(context: ServiceContext): Promise<RunningService>;
}

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** Checks and freezes a service definition. */
export function defineService(definition: ServiceDefinition): ServiceDefinition {
  if (!SERVICE_NAME.test(definition.name)) {
    throw new RuntimeError(
      'INVALID_SERVICE',
      `invalid service name ${JSON.stringify(definition.name)}: expected lower-case letters, digits and "-"`,
    );
  }
  return Object.freeze({ ...definition });
}
