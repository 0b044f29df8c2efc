import { createRedis } from '@tickline/bus';
import { redisConnectionSettings, type TicklineConfig } from '@tickline/config';
import { createHistory } from '@tickline/history';
import { isProviderError } from '@tickline/providers';
import type { Command } from 'commander';
import { CliError } from './cliError';
import type { CliDeps } from './program';
import {
  BackfillQueues,
  bullConnection,
  enqueueBackfill,
  listRequests,
  requestProgress,
  type RequestProgress,
} from './backfillQueue';
import { parseTime } from './storageCommands';

type GetConfig = () => TicklineConfig;

interface BackfillOptions {
  venue: string;
  symbol: string;
  timeframe: string;
  from: string;
  to: string;
  provider?: string;
  wait?: boolean;
}

/** How often `--wait` reads the request's progress. */
const POLL_MS = 500;

/**
 * `tickline backfill ...` queues a backfill request for the backfill service's workers (and with
 * `--wait` follows it: rows, rate, ETA, provider); `tickline backfill status` lists the requests
 * running, queued and failed.
 */
export function addBackfillCommands(program: Command, deps: CliDeps, getConfig: GetConfig): void {
  const backfill = program
    .command('backfill')
    .description('queue a history backfill for `tickline run backfill` workers (see also: backfill status)')
    .option('--venue <venue>', 'venue of the instrument, e.g. binance')
    .option('--symbol <symbol>', 'venue symbol, e.g. BTCUSDT')
    .option(
      '--timeframe <tf>',
      'bar timeframe, e.g. 1m; rolled up from a finer one when no provider serves it',
    )
    .option('--from <time>', 'first bar start, ISO-8601 UTC or epoch ms (inclusive)')
    .option('--to <time>', 'end, ISO-8601 UTC or epoch ms (exclusive)')
    .option('--provider <provider>', 'only this history provider (no failover)')
    .option('--wait', 'follow the request until it completes: rows, rate, ETA, provider')
    .action((options: BackfillOptions) =>
      withQueues(getConfig(), async (queues, config) => {
        const missing = ['venue', 'symbol', 'timeframe', 'from', 'to'].filter(
          (name) => options[name as keyof BackfillOptions] === undefined,
        );
        if (missing.length > 0) {
          throw new CliError(`tickline backfill needs ${missing.map((m) => `--${m}`).join(', ')}`, 2);
        }
        const id = await enqueue(queues, config, options);
        deps.stdout(
          `backfill ${id.id}: ${id.chunks} chunk(s) of ${id.fetchTimeframe} bars${id.existed ? ' (already queued or done: nothing added)' : ''}\n`,
        );
        if (options.wait) await follow(queues, id.id, deps);
      }),
    );
  backfill
    .command('status')
    .description('backfill requests running, queued and failed (and how far each got)')
    .action(() =>
      withQueues(getConfig(), async (queues) => {
        const requests = await listRequests(queues, ['running', 'queued', 'failed']);
        deps.stdout(renderStatus(requests));
      }),
    );
}

async function enqueue(queues: BackfillQueues, config: TicklineConfig, options: BackfillOptions) {
  const redis = createRedis({ ...redisConnectionSettings(config), name: 'tickline-backfill-cli' });
  try {
    const { router } = createHistory(config, { redis, prefix: config.prefix });
    return await enqueueBackfill(queues, router, config.backfill, {
      venue: options.venue,
      symbol: options.symbol,
      timeframe: options.timeframe,
      from: parseTime(options.from, 'from'),
      to: parseTime(options.to, 'to'),
      ...(options.provider === undefined ? {} : { provider: options.provider }),
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (isProviderError(error) || error instanceof Error) throw new CliError(error.message, 2);
    throw error;
  } finally {
    redis.disconnect();
  }
}

async function follow(queues: BackfillQueues, id: string, deps: CliDeps): Promise<void> {
  let last = '';
  for (;;) {
    const progress = await requestProgress(queues, id);
    if (progress === undefined) throw new CliError(`backfill ${id} is gone (removed from the queue)`, 1);
    const line = progressLine(progress, Date.now());
    if (line !== last) deps.stdout(`${line}\n`);
    last = line;
    if (progress.state === 'completed') return;
    if (progress.state === 'failed')
      throw new CliError(`backfill ${id} failed: ${progress.failedReason ?? 'unknown'}`, 1);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** One progress line: rows of the expected, rate since the request was queued, ETA, provider(s). */
export function progressLine(p: RequestProgress, now: number): string {
  const elapsedS = Math.max(0.001, ((p.finishedAt ?? now) - p.createdAt) / 1000);
  const rate = p.rows / elapsedS;
  const share = p.chunks === 0 ? 1 : p.chunksDone / p.chunks;
  const eta =
    p.state === 'completed'
      ? 'done'
      : share === 0
        ? 'ETA ?'
        : `ETA ${formatSeconds((elapsedS * (1 - share)) / share)}`;
  const bar = progressBar(share, 20);
  return `${bar} ${int(p.rows)}/${int(p.expectedBars)} rows  chunks ${p.chunksDone}/${p.chunks}  ${int(rate)} rows/s  ${eta}  provider ${p.sources.join(',') || '-'}`;
}

function progressBar(share: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, share)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `backfill status`: one section per state, one line per request. */
export function renderStatus(requests: readonly RequestProgress[]): string {
  if (requests.length === 0) return 'no backfill requests running, queued or failed\n';
  const lines: string[] = [];
  for (const state of ['running', 'queued', 'failed'] as const) {
    const list = requests.filter((r) => r.state === state);
    if (list.length === 0) continue;
    lines.push(`${state} (${list.length}):`);
    for (const r of list) {
      const { venue, symbol, timeframe, from, to } = r.request;
      const range = `${new Date(from).toISOString()} .. ${new Date(to).toISOString()}`;
      const why = r.failedReason ? `  ${r.failedReason}` : '';
      lines.push(
        `  ${venue}:${symbol} ${timeframe} ${range}  chunks ${r.chunksDone}/${r.chunks}  rows ${int(r.rows)}${why}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

async function withQueues(
  config: TicklineConfig,
  run: (queues: BackfillQueues, config: TicklineConfig) => Promise<void>,
): Promise<void> {
  const connection = bullConnection(config, 'tickline-backfill-cli');
  const queues = new BackfillQueues(connection, config.prefix);
  try {
    await run(queues, config);
  } finally {
    await queues.close();
    connection.disconnect();
  }
}
