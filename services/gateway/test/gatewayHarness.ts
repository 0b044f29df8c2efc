import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { captureCli } from '../../../packages/cli/test/support/captureCli';
import { loadConfig, type TicklineConfig } from '@tickline/config';
import { startGateway, type BarJson, type Gateway, type GatewayOptions } from '../src';
import { createMetricsRegistry } from '@tickline/runtime';
import pino from 'pino';

export const READ_TOKEN = 'read-token-0123456789abcdef';
export const OPERATOR_TOKEN = 'operator-token-fedcba9876543210';

export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly config: TicklineConfig;
  readonly cacheDir: string;
  /** Every log line the gateway wrote. */
  logs(): string;
  close(): Promise<void>;
}

/** A gateway on a free port of 127.0.0.1 over the test's Redis prefix and a fresh cache dir. */
/** A pino logger at `level` whose lines are kept in memory. */
export function capturedLogger(level: string): { logger: pino.Logger; logs: () => string } {
  let logs = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  return { logger: pino({ level }, sink), logs: () => logs };
}

export async function startTestGateway(
  prefix: string,
  env: Record<string, string> = {},
  options: Pick<GatewayOptions, 'limits' | 'fundamentals' | 'connectionName'> = {},
): Promise<TestGateway> {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-gateway-'));
  const config = loadConfig({
    env: {
      TICKLINE_PREFIX: prefix,
      TICKLINE_CACHE_DIR: cacheDir,
      TICKLINE_GATEWAY_PORT: '0',
      TICKLINE_INSTRUMENTS: 'binance:BTCUSDT,binance:ETHUSDT',
      TICKLINE_GATEWAY_READ_TOKEN: READ_TOKEN,
      TICKLINE_GATEWAY_OPERATOR_TOKEN: OPERATOR_TOKEN,
      ...env,
    },
  });
  const { logger, logs } = capturedLogger('debug');
  const gateway = await startGateway({ config, logger, metrics: createMetricsRegistry(), ...options });
  return {
    gateway,
    url: gateway.url,
    config,
    cacheDir,
    logs,
    async close() {
      await gateway.close();
      fs.rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** The fields the tests read from the gateway's JSON answers (each answer has some of them). */
export interface ApiBody {
  readonly error: { readonly code: string; readonly message: string; readonly param?: string };
  readonly bars: readonly BarJson[];
  readonly query: Readonly<Record<string, unknown>>;
  readonly instruments: readonly { id: string; sources: string[]; streams: { ticks: string } }[];
  readonly [field: string]: unknown;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** GET or POST with a JSON answer. */
export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: ApiBody; text: string; headers: Headers }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: ApiBody;
  try {
    body = JSON.parse(text) as ApiBody;
  } catch {
    body = {} as ApiBody;
  }
  return { status: response.status, body, text, headers: response.headers };
}

/** What `tickline bars ... --format json` prints, parsed (the CLI run in-process). */
export async function cliBarsJson(
  env: Record<string, string>,
  query: Record<string, string>,
): Promise<unknown> {
  const args = Object.entries(query).flatMap(([name, value]) => [`--${name}`, value]);
  const { code, stdout, stderr } = await captureCli(['bars', ...args, '--format', 'json'], env);
  if (code !== 0) throw new Error(`tickline bars exited ${code}: ${stderr}`);
  return JSON.parse(stdout);
}
