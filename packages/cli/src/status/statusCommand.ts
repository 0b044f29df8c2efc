import { createRedis } from '@tickline/bus';
import { redactUrl, redisConnectionSettings, type TicklineConfig } from '@tickline/config';
import { Option, type Command } from 'commander';
import { CliError } from '../cliError';
import type { CliDeps } from '../program';
import { collectStatus } from '@tickline/ops';
import { renderStatus } from './renderStatus';

/** `tickline status [--format text|json]`: one screen of pipeline health. */
export function addStatusCommand(program: Command, deps: CliDeps, getConfig: () => TicklineConfig): void {
  program
    .command('status')
    .description(
      'services (alive, version, uptime), per-instrument last tick and final bar age, consumer lag, gaps, dead letters, stores',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (options: { format: 'text' | 'json' }) => {
      const config = getConfig();
      // Fail fast instead of queueing commands forever when Redis is down: status is for bad days.
      const redis = createRedis({
        ...redisConnectionSettings(config),
        name: 'tickline-status',
        maxRetriesPerRequest: 1,
        extra: { enableOfflineQueue: false, lazyConnect: true },
      });
      try {
        await redis.connect().catch((error: unknown) => {
          const why = error instanceof Error ? error.message : String(error);
          throw new CliError(`cannot reach Redis at ${redactUrl(config.redis.url)}: ${why}`, 1);
        });
        const report = await collectStatus(redis, config);
        deps.stdout(
          options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report),
        );
      } finally {
        redis.disconnect();
      }
    });
}
