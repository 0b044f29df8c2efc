import { eraProblem, isTimeframe, VenueSchema } from '@tickline/core';
import type { TicklineConfig } from '@tickline/config';
import {
  connectDatabase,
  migrate,
  queryBarChunks,
  queryBars,
  queryBarsCsv,
  readCachedBarChunks,
  readCachedBarsCsv,
  rebuildIndex,
  repairCache,
  verifyCache,
  type Database,
} from '@tickline/storage';
import { Option, type Command } from 'commander';
import { barsWriter, type BarsFormat, type BarsWriter } from './barsOutput';
import { CliError } from './cliError';
import type { CliDeps } from './program';

type GetConfig = () => TicklineConfig;

/** A pool for one command, ended afterwards; a clear error when no database is configured. */
async function withDatabase<T>(config: TicklineConfig, what: string, run: (db: Database) => Promise<T>) {
  const url = config.database.url;
  if (url === undefined) {
    throw new CliError(
      `${what} needs PostgreSQL, but DATABASE_URL is not set (nor database.url in the config): ` +
        'set it, e.g. DATABASE_URL=postgres://user@127.0.0.1:5432/tickline',
      2,
    );
  }
  const db = connectDatabase(url, { max: 2, applicationName: 'tickline-cli' });
  try {
    return await run(db);
  } finally {
    await db.$pool.end();
  }
}

/**
 * Epoch ms from ISO-8601 (UTC unless it names a zone) or from an epoch-ms integer, within the era every
 * request is bounded to (core's ERA_START_MS..ERA_END_MS, as the gateway checks it).
 */
export function parseTime(text: string, name: string): number {
  const trimmed = text.trim();
  const zoned = /T.*(Z|[+-]\d\d:?\d\d)$/i.test(trimmed) || !trimmed.includes('T') ? trimmed : `${trimmed}Z`;
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(zoned);
  if (Number.isNaN(ms)) {
    throw new CliError(`--${name} ${JSON.stringify(text)} is not a time: use ISO-8601 UTC or epoch ms`, 2);
  }
  const outside = eraProblem(ms);
  if (outside !== undefined) throw new CliError(`--${name} ${JSON.stringify(text)}: ${outside}`, 2);
  return ms;
}

function addDbCommands(program: Command, deps: CliDeps, getConfig: GetConfig): void {
  const db = program.command('db').description('the PostgreSQL / TimescaleDB store');
  db.command('migrate')
    .description('run the pending schema migrations (safe when several processes start at once)')
    .action(() =>
      withDatabase(getConfig(), 'tickline db migrate', async (database) => {
        const ran = await migrate(database);
        deps.stdout(ran.length === 0 ? 'database is up to date\n' : `ran ${ran.join(', ')}\n`);
      }),
    );
}

function addCacheCommands(program: Command, deps: CliDeps, getConfig: GetConfig): void {
  const cache = program
    .command('cache')
    .description('the gzip file cache under cache.dir (TICKLINE_CACHE_DIR)');
  cache
    .command('verify')
    .description('check every cache file (gzip integrity, order, duplicates, metadata); exit 1 if any is bad')
    .action(async () => {
      const report = await verifyCache(getConfig().cache.dir);
      for (const { file, problems } of report.bad)
        for (const problem of problems) deps.stdout(`${file}: ${problem.code}: ${problem.detail}\n`);
      deps.stdout(`checked ${report.checked} files, ${report.bad.length} with problems\n`);
      if (report.bad.length > 0) throw new CliError(`cache verify found ${report.bad.length} damaged files`);
    });
  cache
    .command('repair')
    .description('rewrite damaged files from their readable rows plus the database rows of that year')
    .action(async () => {
      const config = getConfig();
      const repair = (rowsFrom: Parameters<typeof repairCache>[1]) => repairCache(config.cache.dir, rowsFrom);
      const actions =
        config.database.url === undefined
          ? (deps.stderr('tickline: no DATABASE_URL: repairing from the readable rows only\n'),
            await repair(() => Promise.resolve([])))
          : await withDatabase(config, 'cache repair', (db) =>
              repair(async (year) => (await queryBars(db, year)).filter((bar) => bar.final)),
            );
      for (const a of actions) {
        deps.stdout(
          `${a.file}: ${a.problems.join('; ')} -> salvaged ${a.salvagedRows}, from database ${a.sourceRows}, written ${a.writtenRows}\n`,
        );
      }
      deps.stdout(`repaired ${actions.length} files\n`);
    });
  cache
    .command('stats')
    .description('files, rows and bytes per symbol and timeframe')
    .action(async () => {
      const index = await rebuildIndex(getConfig().cache.dir);
      let files = 0;
      let rows = 0;
      let bytes = 0;
      for (const [symbol, byTimeframe] of Object.entries(index)) {
        for (const [timeframe, byYear] of Object.entries(byTimeframe)) {
          const years = Object.entries(byYear);
          const r = years.reduce((sum, [, e]) => sum + e.rows, 0);
          const b = years.reduce((sum, [, e]) => sum + (e.size_bytes ?? 0), 0);
          deps.stdout(`${symbol} ${timeframe}: ${years.length} files, ${r} rows, ${b} bytes\n`);
          files += years.length;
          rows += r;
          bytes += b;
        }
      }
      deps.stdout(`total: ${files} files, ${rows} rows, ${bytes} bytes\n`);
    });
}

interface BarsOptions {
  venue: string;
  symbol: string;
  timeframe: string;
  from: string;
  to: string;
  source?: 'db' | 'cache';
  format: BarsFormat;
}

/** Writes the bars of the query to `writer` as they are read (a chunk at a time from the database). */
async function printBars(config: TicklineConfig, options: BarsOptions, writer: BarsWriter): Promise<void> {
  const venue = VenueSchema.safeParse(options.venue);
  if (!venue.success)
    throw new CliError(`--venue ${JSON.stringify(options.venue)}: ${venue.error.issues[0]?.message}`, 2);
  if (!isTimeframe(options.timeframe))
    throw new CliError(`--timeframe ${JSON.stringify(options.timeframe)} is not a timeframe`, 2);
  const query = {
    venue: venue.data,
    symbol: options.symbol,
    timeframe: options.timeframe,
    from: parseTime(options.from, 'from'),
    to: parseTime(options.to, 'to'),
  };
  const source = options.source ?? (config.database.url === undefined ? 'cache' : 'db');
  // CSV comes as text straight from the stores (no Bar per row), equal to formatting their bars.
  const csv = options.format === 'csv';
  if (source === 'cache' && csv) {
    for await (const lines of readCachedBarsCsv(config.cache.dir, query)) await writer.writeCsv(lines);
    return;
  }
  if (source === 'cache') {
    for await (const chunk of readCachedBarChunks(config.cache.dir, query)) await writer.write(chunk);
    return;
  }
  // The cache holds final bars only; history from the database is shown the same way.
  await withDatabase(config, 'tickline bars --source db', async (db) => {
    if (csv)
      for await (const lines of queryBarsCsv(db, query, { finalOnly: true })) await writer.writeCsv(lines);
    else
      for await (const chunk of queryBarChunks(db, query))
        await writer.write(chunk.filter((bar) => bar.final));
  });
}

function addBarsCommand(program: Command, deps: CliDeps, getConfig: GetConfig): void {
  program
    .command('bars')
    .description(
      'print the final bars of one instrument starting in [from, to), from the database or the cache',
    )
    .requiredOption('--venue <venue>', 'venue, e.g. binance')
    .requiredOption('--symbol <symbol>', 'symbol as the venue spells it, e.g. BTCUSDT')
    .requiredOption('--timeframe <tf>', 'timeframe, e.g. 1m')
    .requiredOption('--from <time>', 'first bar start, ISO-8601 UTC or epoch ms (inclusive)')
    .requiredOption('--to <time>', 'end, ISO-8601 UTC or epoch ms (exclusive)')
    .addOption(
      new Option('--source <store>', 'db or cache (default: db when DATABASE_URL is set)').choices([
        'db',
        'cache',
      ]),
    )
    .addOption(
      new Option('--format <format>', 'csv (start,open,high,low,close,volume,trades,vwap,quality) or json')
        .choices(['csv', 'json'])
        .default('csv'),
    )
    .action(async (options: BarsOptions) => {
      const writer = barsWriter(options.format, deps.stdout, deps.stdoutDrained);
      await printBars(getConfig(), options, writer);
      writer.end();
    });
}

/** `tickline db migrate`, `tickline cache verify|repair|stats` and `tickline bars`. */
export function addStorageCommands(program: Command, deps: CliDeps, getConfig: GetConfig): void {
  addDbCommands(program, deps, getConfig);
  addCacheCommands(program, deps, getConfig);
  addBarsCommand(program, deps, getConfig);
}
