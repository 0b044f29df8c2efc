import type { TicklineConfig } from '@tickline/config';
import {
  AlpacaMockServer,
  BinanceMockServer,
  alpacaRawStream,
  binanceRawStream,
  isAlpacaSymbol,
  isBinanceSymbol,
  type RawStream,
  type RawStreamHandlers,
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

/** Resolves at the first SIGINT (Ctrl-C) or SIGTERM; `tickline demo` serves its dashboard until then too. */
export function untilSignal(): Promise<void> {
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

const VENUES = ['binance', 'alpaca'] as const;
type MockVenue = (typeof VENUES)[number];

const venueOption = () =>
  new Option('--venue <venue>', 'venue whose protocol to speak').choices(VENUES).makeOptionMandatory();

/** The Alpaca key pair from the environment (the mock accepts it; the recorder sends it), or none. */
function alpacaKeys(config: TicklineConfig): { keyId: string; secretKey: string } | undefined {
  const { apiKey, apiSecret } = config.venues.alpaca;
  return apiKey && apiSecret ? { keyId: apiKey, secretKey: apiSecret } : undefined;
}

/** Starts the venue's mock and prints how to point Tickline at it (never a secret from the environment). */
async function startMock(
  venue: MockVenue,
  port: number,
  config: TicklineConfig,
  stdout: (text: string) => void,
): Promise<BinanceMockServer | AlpacaMockServer> {
  if (venue === 'binance') {
    const mock = await BinanceMockServer.start({ port });
    stdout(`TICKLINE_BINANCE_WS_URL=${mock.url}\n`);
    return mock;
  }
  const keys = alpacaKeys(config);
  const mock = await AlpacaMockServer.start({ port, ...keys });
  stdout(`TICKLINE_ALPACA_WS_URL=${mock.url}\n`);
  stdout(
    keys
      ? 'accepting the key pair in APCA_API_KEY_ID / APCA_API_SECRET_KEY\n'
      : 'accepting the mock key pair: APCA_API_KEY_ID=mock-key-id APCA_API_SECRET_KEY=mock-secret-key\n',
  );
  return mock;
}

/** Upper-cased, non-empty symbols valid for the venue, or a usage error naming the bad ones. */
function parseSymbols(venue: MockVenue, list: string): string[] {
  const symbols = list
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  const valid = venue === 'binance' ? isBinanceSymbol : isAlpacaSymbol;
  const bad = symbols.filter((s) => !valid(s));
  if (symbols.length === 0 || bad.length > 0)
    throw new CliError(`--symbols: not ${venue} symbols: ${bad.join(', ') || '(none)'}`, 2);
  return symbols;
}

function rawStream(
  venue: MockVenue,
  symbols: string[],
  quotes: boolean,
  config: TicklineConfig,
  handlers: RawStreamHandlers,
): RawStream {
  if (venue === 'binance') {
    return binanceRawStream({ wsUrl: config.venues.binance.wsUrl, symbols, quotes }, handlers);
  }
  const keys = alpacaKeys(config);
  if (keys === undefined)
    throw new CliError(
      'recording Alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment',
      2,
    );
  const { wsUrl, feed } = config.venues.alpaca;
  return alpacaRawStream({ wsUrl, feed, symbols, ...keys }, handlers);
}

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
    .action(async (options: { venue: MockVenue; file: string; port: number; speed: number | 'max' }) => {
      const mock = await startMock(options.venue, options.port, getConfig(), deps.stdout);
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
    .requiredOption('--symbols <list>', 'comma-separated symbols, e.g. BTCUSDT,ETHUSDT or AAPL,MSFT')
    .requiredOption('--out <file>', 'first file, e.g. session.jsonl.gz; later ones are session-2.jsonl.gz...')
    .option('--max-mb <n>', 'start a new file after this many MB of frames (uncompressed)', Number)
    .option('--hourly', 'start a new file at each UTC hour')
    .option('--no-quotes', 'Binance: trades only (default: trades and bookTicker quotes)')
    .action(
      async (options: {
        venue: MockVenue;
        symbols: string;
        out: string;
        maxMb?: number;
        hourly?: boolean;
        quotes: boolean;
      }) => {
        const symbols = parseSymbols(options.venue, options.symbols);
        if (options.maxMb !== undefined && !(options.maxMb > 0))
          throw new CliError('--max-mb must be a positive number', 2);
        const recorder = new RotatingRecorder({
          path: options.out,
          maxBytes: options.maxMb === undefined ? undefined : options.maxMb * 1024 * 1024,
          hourly: options.hourly,
        });
        let frames = 0;
        let fatal: (error: Error) => void = () => undefined;
        const refused = new Promise<never>((_resolve, reject) => (fatal = reject));
        const stream = rawStream(options.venue, symbols, options.quotes, getConfig(), {
          frame: (text, recvTs) => {
            frames += 1;
            recorder.write({ t: recvTs, venue: options.venue, frame: text });
          },
          status: (line) => deps.stderr(`${line}\n`),
          fatal: (error) => fatal(new CliError(error.message, 1)),
        });
        stream.start();
        try {
          await Promise.race([untilStopped(), refused]);
        } finally {
          await stream.stop();
          await recorder.close();
          deps.stderr(`recorded ${frames} frames into ${recorder.files.join(', ') || '(no file)'}\n`);
        }
      },
    );
}
