import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TicklineConfig } from '@tickline/config';
import { defineService, type ServiceDefinition } from '@tickline/runtime';
import { runCli, type CliDeps, type ServiceRegistry } from '@tickline/cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickline-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const service = (name: string) =>
  defineService({ name, start: () => Promise.resolve({ stop: () => Promise.resolve() }) });

const registry: ServiceRegistry = {
  ingestor: { summary: 'venue feeds to tick streams', create: () => service('ingestor') },
  sink: { summary: 'bars to storage', create: () => service('sink') },
};

async function cli(
  argv: string[],
  options: { env?: Record<string, string>; registry?: ServiceRegistry } = {},
) {
  let stdout = '';
  let stderr = '';
  const runs: { services: string[]; config: TicklineConfig }[] = [];
  const deps: CliDeps = {
    env: options.env ?? {},
    registry: options.registry ?? registry,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    runServices: (services: readonly ServiceDefinition[], config) => {
      runs.push({ services: services.map((s) => s.name), config });
      return Promise.resolve();
    },
  };
  const code = await runCli(argv, deps);
  return { code, stdout, stderr, runs };
}

describe('tickline run', () => {
  it('starts the named services, in order, with the loaded config', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'prefix: staging\n');
    const result = await cli(['--config', file, 'run', 'sink', 'ingestor'], {
      env: { TICKLINE_CONFIG: join(dir, 'ignored.yaml') },
    });
    expect(result.code).toBe(0);
    expect(result.runs).toHaveLength(1);
    expect(result.runs[0]!.services).toEqual(['sink', 'ingestor']);
    expect(result.runs[0]!.config.prefix).toBe('staging');
    expect((await cli(['run', 'all'])).runs[0]!.services).toEqual(['ingestor', 'sink']);
  });

  it('refuses unknown services, naming the available ones', async () => {
    const result = await cli(['run', 'ingestor', 'nope']);
    expect(result).toMatchObject({
      code: 1,
      stderr: "tickline: unknown service 'nope'; available: ingestor, sink, all\n",
      runs: [],
    });
  });

  it('says clearly that no services exist yet when the registry is empty', async () => {
    const result = await cli(['run', 'all'], { registry: {} });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tickline: no services are available yet/);
    expect((await cli(['run', 'ingestor'], { registry: {} })).stderr).toBe(
      "tickline: unknown service 'ingestor'; available: none yet\n",
    );
  });

  it('lists every config problem and starts nothing when the config is invalid', async () => {
    const result = await cli(['run', 'all'], {
      env: { TICKLINE_METRICS_PORT: 'x', TICKLINE_LOG_LEVEL: 'loud' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid configuration (2 problems)');
    expect(result.stderr).toContain('metrics.port: expected a port number');
    expect(result.stderr).toContain('log.level: expected one of');
    expect(result.runs).toEqual([]);
  });
});

describe('tickline config', () => {
  it('check prints the effective config with secrets redacted', async () => {
    const env = { REDIS_URL: 'redis://u:url-pw@h:6379', FMP_API_KEY: 'fmp-secret' };
    const result = await cli(['config', 'check'], { env });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as TicklineConfig;
    expect(printed.redis.url).toBe('redis://u:[redacted]@h:6379');
    expect(printed.venues.fmp.apiKey).toBe('[redacted]');
    expect(result.stdout + result.stderr).not.toMatch(/url-pw|fmp-secret/);
  });

  it('check --file takes precedence over --config', async () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'gateway: { port: 7001 }\n');
    const result = await cli(['--config', join(dir, 'missing.yaml'), 'config', 'check', '--file', good]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as TicklineConfig).gateway.port).toBe(7001);
  });

  it('docs prints the configuration reference', async () => {
    const result = await cli(['config', 'docs']);
    expect(result.stdout).toContain('| `redis.commandTimeoutMs` | integer | `5000` |');
  });
});

describe('tickline', () => {
  it('demo refuses a bad --speed or --limit with exit 2', async () => {
    expect(await cli(['demo', '--speed', 'fast'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--speed must be a positive number or max, got 'fast'"),
    });
    expect(await cli(['demo', '--limit', '0'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--limit must be a positive integer'),
    });
  });

  it('documents every command in --help', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const text of [
      'run <service...>',
      'config',
      'demo',
      '--config <file>',
      'TICKLINE_METRICS_PORT',
      'FMP_API_KEY',
    ]) {
      expect(top.stdout).toContain(text);
    }
    expect((await cli(['run', '--help'])).stdout).toContain('ingestor  venue feeds to tick streams');
    expect((await cli(['config', 'check', '--help'])).stdout).toContain('--file <file>');
    expect((await cli(['demo', '--help'])).stdout).toContain('--speed <n|max>');
  });

  it('rejects unknown commands with a usage error', async () => {
    const result = await cli(['frobnicate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });
});
