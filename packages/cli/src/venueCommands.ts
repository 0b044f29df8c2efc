import type { TicklineConfig } from '@tickline/config';
import {
  BinanceMockServer,
  DEFAULT_BACKOFF,
  DEFAULT_WATCHDOG,
  WsConnection,
  isBinanceSymbol,
  streamName,
} from '@tickline/venues';
import { Option, type Command } from 'commander';
import { CliError } from './cliError';
import { RotatingRecorder } from './rotatingRecorder';

/** What the venue commands need of the CLI: output, and how long to run. */
export interface VenueCommandDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Resolves when the command should stop. Default: the first SIGINT or SIGTERM. */
  readonly untilStopped?: () => Promise<void>;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

function parseSpeed(value: string): number | 'max' {
  if (value === 'max') return 'max';
  const speed = Number(value);
  if (!(speed > 0)) throw new CliError(`--speed must be a positive number or max, got ${value}`, 2);
  return speed;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be 0-65535, got ${value}`, 2);
  return port;
}

const venueOption = () =>
  new Option('--venue <venue>', 'venue whose protocol to speak').choices(['binance']).makeOptionMandatory();

/** `tickline mock-venue` and `tickline record`. */
export function addVenueCommands(
  program: Command,
  deps: VenueCommandDeps,
  getConfig: () => TicklineConfig,
): void {
  const untilStopped = deps.untilStopped ?? untilSignal;
  program
    .command('mock-venue')
    .description(
      "serve a recorded session over the venue's real protocol until SIGINT/SIGTERM; prints the origin " +
        'to use as TICKLINE_<VENUE>_WS_URL, then replays the file once to whoever subscribes',
    )
    .addOption(venueOption())
    .requiredOption('--file <file>', "recording (Tickline's gzip JSONL or raw venue frames, gzip or plain)")
    .option('--port <port>', 'port to listen on (0: a free one)', parsePort, 0)
    .option('--speed <n|max>', 'replay at real time x N, or as fast as clients take it', parseSpeed, 1)
    .action(async (options: { file: string; port: number; speed: number | 'max' }) => {
      const mock = await BinanceMockServer.start({ port: options.port });
      deps.stdout(`TICKLINE_BINANCE_WS_URL=${mock.url}\n`);
      const replay = mock
        .replayFile(options.file, { speed: options.speed }, (error) =>
          deps.stderr(`tickline: ${error.message}\n`),
        )
        .then(({ frames }) => deps.stderr(`replayed ${frames} frames from ${options.file}\n`));
      const failed = new Promise<never>((_resolve, reject) => void replay.catch(reject));
      try {
        await Promise.race([untilStopped(), failed]);
      } finally {
        await mock.close();
      }
    });

  program
    .command('record')
    .description(
      "record a venue's raw frames with receive times to gzip JSONL (Tickline's recording format) until " +
        'SIGINT/SIGTERM, rotating files by size and/or hour',
    )
    .addOption(venueOption())
    .requiredOption('--symbols <list>', 'comma-separated symbols, e.g. BTCUSDT,ETHUSDT')
    .requiredOption('--out <file>', 'first file, e.g. session.jsonl.gz; later ones are session-2.jsonl.gz...')
    .option('--max-mb <n>', 'start a new file after this many MB of frames (uncompressed)', Number)
    .option('--hourly', 'start a new file at each UTC hour')
    .option('--no-quotes', 'trades only (default: trades and bookTicker quotes)')
    .action(
      async (options: {
        symbols: string;
        out: string;
        maxMb?: number;
        hourly?: boolean;
        quotes: boolean;
      }) => {
        const symbols = options.symbols
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter((s) => s !== '');
        const bad = symbols.filter((s) => !isBinanceSymbol(s));
        if (symbols.length === 0 || bad.length > 0)
          throw new CliError(`--symbols: not Binance symbols: ${bad.join(', ') || '(none)'}`, 2);
        if (options.maxMb !== undefined && !(options.maxMb > 0))
          throw new CliError('--max-mb must be a positive number', 2);
        const streams = symbols.flatMap((s) => [
          streamName(s, 'trade'),
          ...(options.quotes ? [streamName(s, 'bookTicker')] : []),
        ]);
        const recorder = new RotatingRecorder({
          path: options.out,
          maxBytes: options.maxMb === undefined ? undefined : options.maxMb * 1024 * 1024,
          hourly: options.hourly,
        });
        const origin = getConfig().venues.binance.wsUrl;
        let frames = 0;
        const connection = new WsConnection(
          {
            name: 'record#1',
            url: () => `${origin}/stream?streams=${streams.join('/')}`,
            backoff: DEFAULT_BACKOFF,
            watchdog: DEFAULT_WATCHDOG,
            controlIntervalMs: 250,
            connectTimeoutMs: 10_000,
            now: Date.now,
            random: Math.random,
          },
          {
            open: (_at, url) => deps.stderr(`recording ${url}\n`),
            message: (text, recvTs) => {
              frames += 1;
              recorder.write({ t: recvTs, venue: 'binance', frame: text });
            },
            close: (info) =>
              deps.stderr(
                `disconnected: ${info.reason}${info.retryInMs === undefined ? '' : `; retrying in ${info.retryInMs} ms`}\n`,
              ),
          },
        );
        connection.start();
        try {
          await untilStopped();
        } finally {
          await connection.stop();
          await recorder.close();
          deps.stderr(`recorded ${frames} frames into ${recorder.files.join(', ')}\n`);
        }
      },
    );
}
