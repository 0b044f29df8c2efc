import {
  CREDENTIAL_URL_PATHS,
  createScrubber,
  REDACTED,
  redactUrl,
  SECRET_PATHS,
  secretsOf,
  type TicklineConfig,
} from '@tickline/config';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  readonly config: TicklineConfig;
  /** Where JSON lines go. Default: stdout, written synchronously so nothing is lost on exit. */
  readonly destination?: DestinationStream;
  /** `name` field of every line. Default: none. */
  readonly name?: string;
  /** More values to scrub besides the config's secrets (e.g. tokens obtained at run time). */
  readonly secrets?: Iterable<string>;
}

// Keys that hold secrets wherever they appear (one level deep is where request headers and client
// options usually sit).
const SECRET_KEYS = ['password', 'apiKey', 'apiSecret', 'token', 'authorization'];

/** pino `redact` paths: every secret path of the config, logged bare, as `config`, or one level down. */
export function redactPaths(): string[] {
  const configPaths = [...SECRET_PATHS, ...CREDENTIAL_URL_PATHS];
  return [
    ...configPaths.flatMap((path) => [path, `config.${path}`, `*.${path}`]),
    ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  ];
}

function censor(value: unknown, path: string[]): unknown {
  // A URL keeps its host (useful when debugging) and loses its password.
  if (path[path.length - 1] === 'url' && typeof value === 'string') return redactUrl(value);
  return REDACTED;
}

/**
 * The JSON logger of a process. Two layers keep secrets out: `redact` censors secret fields by
 * path, and every serialized line is scrubbed of the config's secret values (and URL passwords),
 * which catches them in error messages, stacks and extra error properties wherever they appear.
 */
export function createLogger(options: LoggerOptions): Logger {
  const { config, destination, name } = options;
  const scrub = createScrubber([...secretsOf(config).map((s) => s.value), ...(options.secrets ?? [])]);
  return pino(
    {
      ...(name === undefined ? {} : { name }),
      level: config.log.level,
      redact: { paths: redactPaths(), censor },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      hooks: { streamWrite: scrub },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
