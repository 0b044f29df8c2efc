import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type ConfigProblem } from '@tickline/config';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickline-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const problemsOf = (load: () => unknown): ConfigProblem[] => [...configErrorOf(load).problems];

describe('loadConfig', () => {
  it('gives documented defaults without file or environment, deeply frozen', () => {
    const config = loadConfig({ env: {}, cwd: '/srv/app' });
    expect(config.prefix).toBe('tl');
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 5000 });
    expect(config.redis.tls).toEqual({ enabled: false, rejectUnauthorized: true });
    expect(config.database.url).toBeUndefined();
    expect(config.cache.dir).toBe('/srv/app/.tickline/cache');
    expect(config.instruments).toEqual(['binance:BTCUSDT', 'binance:ETHUSDT']);
    expect(config.metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(config.venues.binance.wsUrl).toBe('wss://stream.binance.com:9443');
    expect(config.bus.consumer.maxAttempts).toBe(5);
    expect(Object.isFrozen(config.redis.tls)).toBe(true);
    expect(Object.isFrozen(config.instruments)).toBe(true);
  });

  it('reads a YAML file and lets the environment override it', () => {
    const path = file(
      'override.yaml',
      'prefix: dev\nmetrics:\n  port: 1000\nredis:\n  url: rediss://cache.internal:6380\ninstruments: [alpaca:AAPL]\n',
    );
    const config = loadConfig({
      env: {
        TICKLINE_CONFIG: path,
        TICKLINE_METRICS_PORT: '2000',
        TICKLINE_INSTRUMENTS: ' binance:BTCUSDT , alpaca:BRK.B ,',
        TICKLINE_ALPACA_WS_URL: 'ws://127.0.0.1:9443',
        TICKLINE_CACHE_DIR: '/var/cache/tl',
        DATABASE_URL: 'postgres://tl@127.0.0.1/tickline',
        APCA_API_KEY_ID: 'key-id',
        APCA_API_SECRET_KEY: 'key-secret',
        TICKLINE_PREFIX: '',
      },
    });
    expect(config.prefix).toBe('dev');
    expect(config.metrics.port).toBe(2000);
    expect(config.instruments).toEqual(['binance:BTCUSDT', 'alpaca:BRK.B']);
    expect(config.venues.alpaca).toMatchObject({
      wsUrl: 'ws://127.0.0.1:9443',
      apiKey: 'key-id',
      apiSecret: 'key-secret',
    });
    expect(config.cache.dir).toBe('/var/cache/tl');
    expect(config.database.url).toBe('postgres://tl@127.0.0.1/tickline');
    expect(config.redis.tls.enabled).toBe(true);
  });

  it('prefers the file option over TICKLINE_CONFIG and reads JSON', () => {
    const json = file('c.json', JSON.stringify({ gateway: { port: 7000 } }));
    const config = loadConfig({ file: json, env: { TICKLINE_CONFIG: join(dir, 'missing.yaml') } });
    expect(config.gateway.port).toBe(7000);
  });

  it('lists every problem with its path, what it got and where it came from', () => {
    const path = file(
      'bad.yaml',
      [
        'prefix: "t l"',
        'redis:',
        '  commandTimeoutMs: abc',
        '  comandTimeout: 5',
        'instruments: [binance:BTCUSDT, kraken:XBTUSD, binance:btcusdt]',
        'venues:',
        '  binance:',
        '    wsUrl: wss://stream.binance.com:9443/ws',
        'log: { level: loud }',
      ].join('\n'),
    );
    const problems = problemsOf(() =>
      loadConfig({ file: path, env: { TICKLINE_METRICS_PORT: 'abc', REDIS_URL: 'http://x' } }),
    );
    const lines = problems.map((p) => `${p.path} | ${p.message} | ${p.source}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        `prefix | expected a key prefix of letters, digits, "_" or "-", got "t l" | file ${path}`,
        `redis.commandTimeoutMs | expected a positive integer, got "abc" | file ${path}`,
        `redis.comandTimeout | unknown setting (see packages/config/README.md) | file ${path}`,
        `redis.url | expected a URL starting with redis:// or rediss://, got "http://x" | environment REDIS_URL`,
        expect.stringMatching(/^instruments\.1 \| venue must be one of binance, .*, got "kraken:XBTUSD"/),
        expect.stringMatching(/^instruments\.2 \| symbol must be .*upper-case/),
        expect.stringMatching(/^venues\.binance\.wsUrl \| expected an origin/),
        expect.stringMatching(/^log\.level \| expected one of fatal, .*, got "loud"/),
        `metrics.port | expected a port number 0-65535 (0 picks a free port), got "abc" | environment TICKLINE_METRICS_PORT`,
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it('formats the error message with one line per problem', () => {
    const { message } = configErrorOf(() => loadConfig({ env: { TICKLINE_GATEWAY_PORT: '70000' } }));
    expect(message).toBe(
      'invalid configuration (1 problem):\n' +
        '  gateway.port: expected a port number 0-65535 (0 picks a free port), got 70000 (from environment TICKLINE_GATEWAY_PORT)',
    );
  });

  it('refuses secrets in the file, naming the variable, without quoting them', () => {
    const path = file(
      'secrets.yaml',
      [
        'redis:',
        '  url: redis://app:hunter2-file@10.0.0.1:6379',
        '  password: hunter2-pw',
        'venues:',
        '  fmp: { apiKey: fmp-key-in-file }',
        'database: { url: "postgres://tl:pg-pass@db/tickline" }',
      ].join('\n'),
    );
    const error = configErrorOf(() => loadConfig({ file: path, env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems.map((p) => p.path).sort()).toEqual([
      'database.url',
      'redis.password',
      'redis.url',
      'venues.fmp.apiKey',
    ]);
    expect(error.message).toContain(
      'venues.fmp.apiKey: secrets are not read from files; put it in the environment as FMP_API_KEY',
    );
    expect(error.message).toContain(
      'redis.password: secrets are not read from files; put it in the environment as REDIS_PASSWORD',
    );
    expect(error.message).toContain('put the URL in the environment as DATABASE_URL');
    for (const secret of ['hunter2-file', 'hunter2-pw', 'fmp-key-in-file', 'pg-pass']) {
      expect(error.message).not.toContain(secret);
    }
  });

  it('never quotes a secret from the environment in its errors', () => {
    const env = {
      REDIS_URL: 'redis://app:s3cr%40t@[bad-host:6379',
      REDIS_USERNAME: '',
      REDIS_PASSWORD: 'pw value!1',
      TICKLINE_PREFIX: 'pw value!1', // a secret pasted into the wrong variable
    };
    const problems = problemsOf(() => loadConfig({ env }));
    const text = problems.map((p) => p.message).join('\n');
    expect(problems.map((p) => p.path).sort()).toEqual(['prefix', 'redis.url']);
    expect(text).toContain('redis://app:[redacted]@[bad-host:6379');
    expect(text).not.toMatch(/s3cr|pw value/);
  });

  it('reports unreadable and malformed files with their own codes', () => {
    const missing = join(dir, 'nope.yaml');
    const unreadable = configErrorOf(() => loadConfig({ file: missing, env: {} }));
    expect(unreadable.code).toBe('CONFIG_FILE_UNREADABLE');
    expect(unreadable.message).toContain('cannot read it (ENOENT)');
    const broken = file('broken.yaml', 'redis:\n  url: a\n  url: b\nmetrics: [\n');
    const error = configErrorOf(() => loadConfig({ file: broken, env: {} }));
    expect(error.code).toBe('CONFIG_FILE_SYNTAX');
    expect(error.problems.length).toBeGreaterThanOrEqual(2);
    expect(error.problems[0]!.message).toMatch(/line \d+/);
    expect(() => loadConfig({ file: file('list.yaml', '- a\n'), env: {} })).toThrow('expected a mapping');
    expect(loadConfig({ file: file('empty.yaml', ''), env: {} }).prefix).toBe('tl');
  });
});
