/** The ways a configuration can be wrong; each is tested. */
export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_FILE_UNREADABLE' | 'CONFIG_FILE_SYNTAX';

/** One thing wrong with a configuration: where, what, and which input it came from. */
export interface ConfigProblem {
  /** Dotted path of the setting, e.g. `redis.commandTimeoutMs`; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
  /** `environment REDIS_URL`, `file ./tickline.yaml` or `defaults`. */
  readonly source: string;
}

/** One line per problem: `redis.commandTimeoutMs: expected a positive integer, got "abc" (from file x.yaml)`. */
export function formatProblem({ path, message, source }: ConfigProblem): string {
  return `${path === '' ? '' : `${path}: `}${message} (from ${source})`;
}

/**
 * Thrown by `loadConfig` with every problem found, not just the first. Messages never contain a
 * secret: secret values are not quoted and URL passwords are redacted.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly code: ConfigErrorCode,
    readonly problems: readonly ConfigProblem[],
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid configuration (${count}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  }
}
