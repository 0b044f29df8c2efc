import type { TicklineConfig } from '@tickline/config';
import {
  COMBINED,
  createFundamentalsService,
  formatAge,
  FundamentalsError,
  fundamentalsReport,
  PgSnapshotHistory,
  SnapshotStore,
  type FundamentalsProviderName,
  type FundamentalsReport,
  type RestoreOutcome,
} from '@tickline/fundamentals';
import { connectDatabase } from '@tickline/storage';
import { Option, type Command } from 'commander';
import { CliError } from './cliError';
import type { CliDeps } from './program';
import { parseTime } from './storageCommands';
import { textTable } from './textTable';

interface FundamentalsOptions {
  refresh?: boolean;
  providers?: string;
  format: 'table' | 'json';
}

const PROVIDERS: readonly FundamentalsProviderName[] = ['fmp', 'yahoo', 'alphavantage'];

/**
 * `tickline fundamentals SYMBOL [--refresh] [--providers a,b] [--format table|json]`: the combined
 * view through the file cache, each field with its provider and age, then the flags and what
 * failed or was skipped.
 */
export function addFundamentalsCommand(
  program: Command,
  deps: CliDeps,
  getConfig: () => TicklineConfig,
): void {
  const fundamentals = program
    .command('fundamentals')
    .description('company fundamentals merged across providers, each field with its provider and age')
    .argument('<symbol>', 'e.g. AAPL')
    .option('--refresh', 'fetch from the providers even when the cache is fresh')
    .option('--providers <list>', `providers to ask, in priority order (${PROVIDERS.join(', ')})`)
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .action(async (symbol: string, options: FundamentalsOptions) => {
      const providers = parseProviders(options.providers);
      const config = getConfig();
      // With a database configured, what is fetched is also kept as history.
      const db = config.database.url ? connectDatabase(config.database.url, { max: 1 }) : undefined;
      const { service, skipped } = createFundamentalsService(
        {
          root: config.cache.dir,
          ...config.fundamentals,
          ...(providers ? { providers } : {}),
          venues: config.venues,
        },
        db ? { history: new PgSnapshotHistory(db) } : {},
      );
      const asked = providers ?? config.fundamentals.providers;
      try {
        if (skipped.length === asked.length) {
          throw new CliError(
            `fundamentals: no provider can be asked (${skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ')})`,
          );
        }
        const result = await service.getFundamentals(symbol, { forceRefresh: options.refresh === true });
        const report = fundamentalsReport(result, skipped, Date.now());
        deps.stdout(
          options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`,
        );
      } catch (error) {
        if (error instanceof FundamentalsError) {
          throw new CliError(error.message, error.code === 'INVALID_INPUT' ? 2 : 1);
        }
        throw error;
      } finally {
        await db?.$pool.end();
      }
    });
  addRestoreCommand(fundamentals, deps, getConfig);
}

/**
 * `tickline fundamentals restore SYMBOL --at T [--providers a,b]`: roll the cache back to the copies
 * served at T (see `SnapshotStore.restore`); with a database, a copy the cache no longer keeps comes
 * from the PostgreSQL history.
 */
function addRestoreCommand(fundamentals: Command, deps: CliDeps, getConfig: () => TicklineConfig): void {
  fundamentals
    .command('restore')
    .description(
      'roll a symbol back to the copies served at a time: later copies move to rolled-back/ (kept); with DATABASE_URL, copies the cache no longer has come from the history',
    )
    .argument('<symbol>', 'e.g. AAPL')
    .requiredOption('--at <time>', 'ISO-8601 UTC or epoch ms')
    .option(
      '--providers <list>',
      `providers to roll back (${[...PROVIDERS, COMBINED].join(', ')}) [all on file]`,
    )
    .action(async (symbol: string, options: { at: string; providers?: string }) => {
      const at = parseTime(options.at, 'at');
      // Without positional options, `fundamentals` itself takes a --providers given after `restore`.
      const list = options.providers ?? fundamentals.opts<{ providers?: string }>().providers;
      const providers = list?.split(',').map((name) => name.trim().toLowerCase());
      const config = getConfig();
      const db = config.database.url ? connectDatabase(config.database.url, { max: 1 }) : undefined;
      const history = db ? new PgSnapshotHistory(db) : undefined;
      const store = new SnapshotStore(config.cache.dir);
      try {
        const outcomes = await store.restore(symbol.toUpperCase(), at, {
          ...(providers ? { providers } : {}),
          ...(history
            ? { fromHistory: (provider, before) => newestInHistory(history, symbol, provider, before) }
            : {}),
        });
        if (outcomes.length === 0)
          throw new CliError(`fundamentals restore: nothing on file for ${symbol.toUpperCase()}`);
        deps.stdout(`${outcomes.map(describeOutcome).join('\n')}\n`);
        const missing = outcomes.filter((o) => o.restored === undefined).map((o) => o.provider);
        if (missing.length > 0) {
          throw new CliError(
            `fundamentals restore: no copy of ${symbol.toUpperCase()} at or before ${new Date(at).toISOString()} for ${missing.join(', ')}`,
          );
        }
      } catch (error) {
        if (error instanceof FundamentalsError) throw new CliError(error.message, 2);
        throw error;
      } finally {
        await db?.$pool.end();
      }
    });
}

async function newestInHistory(history: PgSnapshotHistory, symbol: string, provider: string, at: number) {
  const [newest] = await history.list(symbol.toUpperCase(), { provider, to: at, limit: 1 });
  return newest;
}

function describeOutcome(outcome: RestoreOutcome): string {
  if (outcome.restored === undefined)
    return `${outcome.provider}  no copy at or before that time: left as it was`;
  const moved = outcome.movedAside.length;
  return `${outcome.provider}  now ${outcome.restored}  (${moved} later ${moved === 1 ? 'copy' : 'copies'} moved to rolled-back/)`;
}

function parseProviders(list: string | undefined): FundamentalsProviderName[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(',').map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !(PROVIDERS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new CliError(
      `--providers: unknown provider ${JSON.stringify(unknown[0] ?? '')} (expected a comma-separated list of ${PROVIDERS.join(', ')})`,
      2,
    );
  }
  return [...new Set(names)] as FundamentalsProviderName[];
}

/** The report as text: the fields table, then the providers, flags, failures and skipped providers. */
export function renderReport(report: FundamentalsReport): string {
  const lines = [
    `${report.symbol}  strategy ${report.strategy}${report.stale ? '  STALE: every provider failed, last good copies shown' : ''}`,
    '',
    ...textTable(
      ['field', 'value', 'unit', 'period', 'source', 'age'],
      report.fields.map((f) => [
        f.field,
        f.value === null ? '-' : String(f.value),
        f.unit ?? f.currency ?? '',
        f.period ?? '',
        f.source,
        formatAge(f.ageMs),
      ]),
    ),
    '',
    'providers:',
    ...report.providers.map((p) => `  ${p.provider}  ${p.origin}  ${formatAge(p.ageMs)} old`),
  ];
  const section = (title: string, items: string[]) =>
    items.length === 0 ? [] : ['', `${title}:`, ...items.map((item) => `  ${item}`)];
  lines.push(
    ...section(
      'flags',
      report.flags.map((f) => `${f.kind}  ${f.field}  (${f.providers.join(', ')}) ${f.message}`),
    ),
    ...section(
      'failed',
      report.failures.map((f) => `${f.provider}  ${f.code}  ${f.message}`),
    ),
    ...section(
      'skipped',
      report.skipped.map((s) => `${s.provider}  ${s.reason}`),
    ),
  );
  return lines.join('\n');
}
