// A backfill worker process for the crash test: the backfill service alone (no gap scheduler), config
// from TICKLINE_CONFIG and the environment; prints `ready` once its workers run.
import { loadConfig } from '@tickline/config';
import { createBackfillService } from '@tickline/backfill-service';
import { startApp } from '@tickline/runtime';

async function main(): Promise<void> {
  const app = await startApp({ services: [createBackfillService({ repair: false })], config: loadConfig() });
  process.stdout.write('ready\n');
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
