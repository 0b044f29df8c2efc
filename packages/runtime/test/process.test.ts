import { join } from 'node:path';
import { logLines, spawnTs } from '@tickline/testkit';

const fixture = join(__dirname, 'fixtures', 'serviceProcess.ts');
// No heartbeats: this Redis has no password, and ioredis would warn on stderr about the one given.
const env = {
  TICKLINE_METRICS_PORT: '0',
  REDIS_PASSWORD: 'child-secret-pw',
  TICKLINE_HEARTBEAT_INTERVAL_MS: '0',
};

function messages(stdout: string): string[] {
  return logLines(stdout).map((line) => String(line.msg));
}

describe('a service process', () => {
  it('drains in-flight work on SIGTERM and exits 0', async () => {
    const run = spawnTs(fixture, ['drain'], env);
    await run.waitForStdout(/work started/);
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    const log = messages(run.stdout());
    expect({ code, stderr: run.stderr() }).toEqual({ code: 0, stderr: '' });
    expect(log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^serving \/healthz, \/readyz and \/metrics at http:\/\/127\.0\.0\.1:\d+$/),
        expect.stringMatching(/^received SIGTERM; stopping gracefully/),
        'all services stopped; exiting with code 0',
      ]),
    );
    // The work finished after the signal and before the process said it stopped.
    expect(log.indexOf('work finished')).toBeGreaterThan(
      log.findIndex((m) => m.startsWith('received SIGTERM')),
    );
    expect(log.indexOf('work finished')).toBeLessThan(log.indexOf("service 'worker' stopped"));
  });

  it('forces exit on a second signal', async () => {
    const run = spawnTs(fixture, ['drain'], env);
    await run.waitForStdout(/work started/);
    run.child.kill('SIGINT');
    await run.waitForStdout(/received SIGINT; stopping/);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(run.stderr()).toBe('tickline: fatal: received SIGINT again; forcing exit\n');
    expect(messages(run.stdout())).not.toContain('work finished');
  });

  it('exits 1 with one clear line when a service fails to start, without its secret', async () => {
    const run = spawnTs(fixture, ['boom'], env);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toBe(
      "tickline: fatal: service 'worker' failed to start: cannot reach redis with password [redacted]\n",
    );
    expect(run.stdout()).toContain('failed to start');
    expect(run.stdout() + run.stderr()).not.toContain('child-secret-pw');
  });

  it('exits 1 after stopping gracefully on an unhandled rejection', async () => {
    const run = spawnTs(fixture, ['reject'], env);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toBe('tickline: fatal: unhandled rejection: lost a promise\n');
    const log = messages(run.stdout());
    expect(log).toContain('work finished');
    expect(log).toContain('all services stopped; exiting with code 1');
  });
});
