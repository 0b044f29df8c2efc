import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { type Readable } from 'node:stream';
import {
  CoreError,
  isTimeframe,
  LineSplitter,
  MAX_LINE_LENGTH,
  SIDES,
  TradeSchema,
  VENUES,
  type Bar,
  type Trade,
} from '@tickline/core';
import { TimeBarAggregator, type AggregationEvent, type TimeBarSpec } from '@tickline/aggregation';
import { Option, type Command } from 'commander';
import { barsWriter, type BarsFormat } from './barsOutput';
import { CliError } from './cliError';
import type { CliDeps } from './program';

interface AggregateOptions {
  in: string;
  timeframe: string;
  format: BarsFormat;
  symbol?: string;
}

/** What a run read and decided, for the summary on stderr. */
export interface AggregateSummary {
  trades: number;
  duplicates: number;
  rejected: number;
  bars: number;
}

const VENUE_SET = new Set<string>(VENUES);
const SIDE_SET = new Set<string>(SIDES);
const EQUITY_DAYS: Record<string, TimeBarSpec> = {
  'equity-day': { kind: 'equity-day' },
  'equity-day-extended': { kind: 'equity-day', extended: true },
};

/** `tickline aggregate --in TICKS.jsonl[.gz] --timeframe TF [--format csv|json] [--symbol S]`. */
export function addAggregateCommand(program: Command, deps: CliDeps): void {
  program
    .command('aggregate')
    .description('build the final bars of a normalized tick file (JSONL, optionally gzip) with the live core')
    .requiredOption(
      '--in <file>',
      `tick file: one Trade per line (DESIGN.md), each at most ${MAX_LINE_LENGTH} characters; .gz is gunzipped`,
    )
    .requiredOption('--timeframe <tf>', 'timeframe, e.g. 1m, or equity-day / equity-day-extended')
    .option('--symbol <symbol>', 'only this symbol (needed for CSV when the file holds several)')
    .addOption(
      new Option('--format <format>', 'csv (start,open,high,low,close,volume,trades,vwap,quality) or json')
        .choices(['csv', 'json'])
        .default('csv'),
    )
    .action(async (options: AggregateOptions) => {
      const summary = await aggregateFile(options, deps);
      deps.stderr(
        `aggregated ${summary.trades} trades into ${summary.bars} bars` +
          (summary.duplicates > 0 ? `, ${summary.duplicates} duplicates ignored` : '') +
          (summary.rejected > 0
            ? `, ${summary.rejected} trades rejected (too late or from the future)`
            : '') +
          '\n',
      );
    });
}

/** Reads the file through one aggregator per instrument and prints the final bars (latest revision). */
export async function aggregateFile(options: AggregateOptions, deps: CliDeps): Promise<AggregateSummary> {
  const spec = timeBarSpec(options.timeframe);
  const aggregators = new Map<string, TimeBarAggregator>();
  const summary: AggregateSummary = { trades: 0, duplicates: 0, rejected: 0, bars: 0 };
  const out: AggregationEvent[] = [];
  const latest = new Map<string, Bar>();
  // Files are mostly runs of one instrument: look the aggregator up only when the instrument changes.
  let current: TimeBarAggregator | undefined;
  let venue = '';
  let symbol = '';
  await forEachLine(options.in, (line, number) => {
    const trade = tradeFromLine(line, `${options.in}:${number}`);
    if (options.symbol !== undefined && trade.symbol !== options.symbol) return;
    summary.trades++;
    if (current === undefined || trade.symbol !== symbol || trade.venue !== venue) {
      ({ venue, symbol } = trade);
      current = aggregators.get(`${venue}:${symbol}`);
      if (current === undefined) {
        current = new TimeBarAggregator({ venue: trade.venue, symbol, timeframes: [spec], source: 'file' });
        aggregators.set(`${venue}:${symbol}`, current);
      }
    }
    current.push(trade, out);
    if (out.length > 0) keepLatest(out, latest);
  });
  if (options.format === 'csv' && aggregators.size > 1) {
    throw new CliError(
      `${options.in} holds ${aggregators.size} instruments (${[...aggregators.keys()].slice(0, 5).join(', ')}); ` +
        'CSV has no symbol column: pass --symbol or --format json',
      2,
    );
  }
  for (const aggregator of aggregators.values()) {
    keepLatest(aggregator.flush(out), latest);
    const stats = aggregator.stats();
    summary.duplicates += stats.duplicates;
    summary.rejected += stats.rejected;
  }
  const bars = [...latest.values()].sort(
    (a, b) => a.venue.localeCompare(b.venue) || a.symbol.localeCompare(b.symbol) || a.start - b.start,
  );
  summary.bars = bars.length;
  const writer = barsWriter(options.format, deps.stdout, deps.stdoutDrained);
  await writer.write(bars);
  writer.end();
  return summary;
}

function timeBarSpec(timeframe: string): TimeBarSpec {
  const spec = isTimeframe(timeframe) ? timeframe : EQUITY_DAYS[timeframe];
  if (spec === undefined) {
    throw new CliError(
      `--timeframe ${JSON.stringify(timeframe)} is not a timeframe (e.g. 1m, 1h, 1d, equity-day)`,
      2,
    );
  }
  return spec;
}

/** Moves the final bars and revisions of `events` into `latest` (a revision replaces its bar); clears `events`. */
function keepLatest(events: AggregationEvent[], latest: Map<string, Bar>): void {
  for (const event of events) {
    if (event.kind !== 'final' && event.kind !== 'revision') continue;
    const bar = event.bar;
    latest.set(`${bar.venue}:${bar.symbol}:${bar.start}`, bar);
  }
  events.length = 0;
}

/**
 * One normalized trade from a line of a tick file. `recvTs` may be left out (DESIGN.md's file format
 * has none): it is then the event time. Well-formed lines take a fast hand check; a line failing it is
 * parsed with TradeSchema, whose message names the field.
 */
export function tradeFromLine(line: string, where: string): Trade {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new CliError(`${where}: not JSON (${(error as Error).message})`, 1);
  }
  const raw = value as Partial<Record<keyof Trade, unknown>> | null;
  if (typeof raw === 'object' && raw !== null && looksLikeTrade(raw)) {
    const trade: Trade = {
      venue: raw.venue as Trade['venue'],
      symbol: raw.symbol as string,
      ts: raw.ts as number,
      recvTs: (raw.recvTs ?? raw.ts) as number,
      price: raw.price as number,
      size: raw.size as number,
      side: raw.side as Trade['side'],
      id: raw.id as string,
    };
    if (raw.conditions !== undefined) trade.conditions = raw.conditions as string[];
    if (raw.tape !== undefined) trade.tape = raw.tape as string;
    return trade;
  }
  const withRecv =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { recvTs: raw.ts, ...raw } : raw;
  const parsed = TradeSchema.safeParse(withRecv);
  const problem = parsed.success
    ? 'not a trade'
    : parsed.error.issues.map((issue) => issue.message).join('; ');
  throw new CliError(`${where}: ${problem}`, 1);
}

function looksLikeTrade(raw: Partial<Record<keyof Trade, unknown>>): boolean {
  const { ts, recvTs, price, size, conditions, tape } = raw;
  return (
    VENUE_SET.has(raw.venue as string) &&
    typeof raw.symbol === 'string' &&
    raw.symbol.length > 0 &&
    Number.isSafeInteger(ts) &&
    (recvTs === undefined || Number.isSafeInteger(recvTs)) &&
    typeof price === 'number' &&
    price > 0 &&
    price < Infinity &&
    typeof size === 'number' &&
    size > 0 &&
    size < Infinity &&
    SIDE_SET.has(raw.side as string) &&
    typeof raw.id === 'string' &&
    raw.id.length > 0 &&
    (conditions === undefined ||
      (Array.isArray(conditions) && conditions.every((c) => typeof c === 'string'))) &&
    (tape === undefined || typeof tape === 'string')
  );
}

/**
 * Calls `each` with every non-blank line and its 1-based number; gunzips `.gz` files. Lines longer than
 * MAX_LINE_LENGTH fail at once (`/dev/zero` is not read to its end).
 */
async function forEachLine(file: string, each: (line: string, number: number) => void): Promise<void> {
  let input: Readable = createReadStream(file);
  if (file.endsWith('.gz')) {
    // pipe() does not pass the file's errors on (a missing file would leave gunzip waiting forever).
    const gunzip = createGunzip();
    input.once('error', (error) => gunzip.destroy(error));
    input = input.pipe(gunzip);
  }
  input.setEncoding('utf8');
  const lines = new LineSplitter({ source: file });
  const nonBlank = (line: string, number: number) => {
    if (line.trim() !== '') each(line, number);
  };
  try {
    for await (const chunk of input as AsyncIterable<string>) lines.push(chunk, nonBlank);
    lines.end(nonBlank);
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof CoreError && error.code === 'LINE_TOO_LONG') throw new CliError(error.message, 1);
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, 1);
  }
}
