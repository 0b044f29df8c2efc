import { Gauge } from 'prom-client';
import { ConfigError, loadConfig, secretsOf } from '@tickline/config';
import { defineService, startApp, type App } from '@tickline/runtime';
import { captureLogger } from './support/captureLogger';

// Secrets as operators set them: in the environment, some with characters that URLs and JSON escape.
const env = {
  TICKLINE_METRICS_PORT: '0',
  REDIS_URL: 'redis://ingest:url-secret-789@127.0.0.1:1',
  REDIS_PASSWORD: 'p@ss w0rd/"q',
  DATABASE_URL: 'postgres://tl:db-secret-456@127.0.0.1:5432/tickline',
  APCA_API_KEY_ID: 'PKTESTKEYID0001',
  APCA_API_SECRET_KEY: 'alpaca-secret-abc',
  FMP_API_KEY: 'fmp-key-xyz',
  BINANCE_API_KEY: 'binance-key-123',
};
const config = loadConfig({ env });
const secrets = secretsOf(config).map((s) => s.value);
const forms = secrets.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]);

function expectNoSecret(text: string): void {
  for (const form of forms) expect(text).not.toContain(form);
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('secrets never leave the process', () => {
  it('knows every configured secret', () => {
    expect(secrets).toHaveLength(7);
  });

  it('keeps them out of every log line, even in errors and whole config objects', () => {
    const { logger, lines } = captureLogger(config);
    // Node's own URL error copies the whole URL, password included, into `input`.
    const urlError = caught(() => new URL(`${config.redis.url}[`)) as Error & { input: string };
    expect(urlError.input).toContain('url-secret-789');
    const authError = new Error(`WRONGPASS invalid password ${env.REDIS_PASSWORD} for user ingest`);
    expect(authError.stack).toContain(env.REDIS_PASSWORD);
    const configError = caught(() =>
      loadConfig({
        env: { ...env, REDIS_URL: 'redis://ingest:url-secret-789@[::1', TICKLINE_METRICS_PORT: 'x' },
      }),
    );
    expect(configError).toBeInstanceOf(ConfigError);

    logger.info({ config }, 'effective config');
    logger.info(config, 'config at top level');
    logger.error({ err: urlError }, 'bad redis url');
    logger.error({ err: authError }, 'redis auth failed');
    logger.error({ error: configError }, 'config rejected');
    logger.warn(`retrying ${config.venues.alpaca.restUrl} with key ${env.APCA_API_KEY_ID}`);
    logger.warn({ url: `https://financialmodelingprep.com/stable/profile?apikey=${env.FMP_API_KEY}` }, 'GET');
    logger.child({ service: 'ingestor' }).info({ options: { password: env.REDIS_PASSWORD } }, 'connecting');
    logger.info({ headers: { authorization: `Bearer ${env.BINANCE_API_KEY}` } }, 'request');
    logger.info(`connecting to ${env.DATABASE_URL}`);

    const output = lines.join('');
    expect(lines).toHaveLength(10);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(output).toContain('redis://ingest:[redacted]@127.0.0.1:1');
    expect(output).toContain('"password":"[redacted]"');
    expect(output).toContain('WRONGPASS invalid password [redacted] for user ingest');
    expect(output).toContain('postgres://tl:[redacted]@127.0.0.1:5432/tickline');
    expectNoSecret(output);
  });

  it('keeps them out of start errors, readiness answers and metrics', async () => {
    const { logger, lines } = captureLogger(config);
    const failing = defineService({
      name: 'failing',
      start: () => Promise.reject(new Error(`AUTH ${env.APCA_API_SECRET_KEY} rejected`)),
    });
    const error = await startApp({ config, logger, services: [failing] }).then(
      () => new Error('expected a start failure'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toBe("service 'failing' failed to start: AUTH [redacted] rejected");

    const leaky = defineService({
      name: 'leaky',
      start: ({ metrics }) => {
        // A careless label: the runtime must still keep the value out of /metrics.
        new Gauge({ name: 'tickline_leaky', help: 'x', labelNames: ['key'], registers: [metrics] })
          .labels(env.FMP_API_KEY)
          .set(1);
        return Promise.resolve({
          checks: { redis: () => Promise.reject(new Error(`NOAUTH ${config.redis.url}`)) },
          stop: () => Promise.resolve(),
        });
      },
    });
    const app: App = await startApp({ config, logger, services: [leaky] });
    try {
      const readyz = await (await fetch(`${app.url}/readyz`)).text();
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(readyz).toContain('NOAUTH redis://ingest:[redacted]@127.0.0.1:1');
      expect(metrics).toContain('tickline_leaky{key="[redacted]"} 1');
      expectNoSecret(readyz + metrics);
    } finally {
      await app.close();
    }
    expect(lines.join('')).toContain('failed to start');
    expectNoSecret(lines.join(''));
  });
});
