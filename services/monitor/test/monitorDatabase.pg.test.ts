import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@tickline/config';
import { createMonitorService } from '@tickline/monitor-service';
import { startApp, type App } from '@tickline/runtime';
import { connectDatabase } from '@tickline/storage';
import { redisTestContext, waitFor } from '@tickline/testkit';
import pino from 'pino';

// The monitor reads the database on every scrape: through one pool of its own, not a pool per read
// (which also made pg-promise warn about duplicate database objects every few seconds).
// A database of the test's own, so that other tests' status readers running meanwhile are not counted.
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NAME = `tl_mondb_${process.pid}_${Date.now()}`;
const DATABASE_URL = SERVER_URL.replace(/\/[^/?]*(\?|$)/, `/${NAME}$1`);
const server = connectDatabase(SERVER_URL, { max: 1 });
const ctx = redisTestContext('tlmondb');
let cacheDir: string;
let app: App | undefined;

beforeAll(async () => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-monitor-db-'));
  await server.none(`CREATE DATABASE ${NAME}`);
});
afterAll(async () => {
  await app?.close();
  await server.none(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await server.$pool.end();
  fs.rmSync(cacheDir, { recursive: true, force: true });
  await ctx.cleanup();
});

/** Open connections of status readers to the test's database. */
async function statusConnections(): Promise<number> {
  const { n } = await server.one<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'tickline-status' AND datname = $1`,
    [NAME],
  );
  return n;
}

test('every scrape reads through one pool the monitor keeps, closed when it stops', async () => {
  app = await startApp({
    services: [createMonitorService({ minReadIntervalMs: 0 })],
    config: loadConfig({
      env: {
        TICKLINE_PREFIX: ctx.prefix,
        TICKLINE_METRICS_PORT: '0',
        TICKLINE_CACHE_DIR: cacheDir,
        TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
        DATABASE_URL,
      },
    }),
    logger: pino({ level: 'silent' }),
  });
  for (let i = 0; i < 5; i++) {
    const body = await (await fetch(`${app.url}/metrics`)).text();
    expect(body).toMatch(/^tickline_store_up\{store="database"\} 1$/m);
  }
  expect(await statusConnections()).toBe(1);
  await app.close();
  app = undefined;
  await waitFor(async () => (await statusConnections()) === 0);
});
