import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, testRedisClient } from '@tickline/testkit';

const script = join(__dirname, '..', 'scripts', 'services.sh');

function services(args: string[], env: Record<string, string>): string {
  return execFileSync('bash', [script, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('scripts/services.sh', () => {
  it('uses a running Redis and says so', () => {
    const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const out = services(['up', 'redis'], { SERVICES_REDIS_PORT: url.port || '6379' });
    expect(out).toMatch(/redis: running at 127\.0\.0\.1:\d+/);
  });

  it('starts the installed redis-server when none is running', async () => {
    const port = await freePort();
    const out = services(['up', 'redis'], { SERVICES_REDIS_PORT: String(port) });
    expect(out).toMatch(new RegExp(`redis: started .* at 127\\.0\\.0\\.1:${port}`));
    const client = testRedisClient(`redis://127.0.0.1:${port}`);
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
      execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
    }
  });

  it('refuses an unknown service name', () => {
    expect(() => services(['up', 'mongodb'], {})).toThrow(/unknown service 'mongodb'/);
  });
});
