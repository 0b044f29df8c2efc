import { defineService, startApp, type App, type RunningService } from '@tickline/runtime';
import { captureLogger } from './support/captureLogger';
import { testConfig } from './support/config';

const config = testConfig({ TICKLINE_LOG_LEVEL: 'debug' });

async function get(app: App, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${app.url}${path}`);
  return { status: res.status, body: await res.text() };
}

function fakeService(name: string, events: string[], running: Partial<RunningService> = {}) {
  return defineService({
    name,
    start: () => {
      events.push(`start ${name}`);
      return Promise.resolve({
        stop: () => {
          events.push(`stop ${name}`);
          return Promise.resolve();
        },
        ...running,
      });
    },
  });
}

describe('startApp', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close().catch(() => undefined);
    app = undefined;
  });

  it('serves /healthz, /readyz and /metrics and stops services in reverse order', async () => {
    const events: string[] = [];
    let redisUp = false;
    const checks = {
      redis: () => {
        if (!redisUp) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      },
    };
    const { logger, lines } = captureLogger(config);
    app = await startApp({
      config,
      logger,
      services: [fakeService('ingestor', events, { checks }), fakeService('sink', events)],
    });
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.join('')).toContain(`serving /healthz, /readyz and /metrics at ${app.url}`);

    expect(await get(app, '/healthz')).toEqual({ status: 200, body: '{"status":"alive"}' });
    const notReady = await get(app, '/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body)).toMatchObject({
      ready: false,
      reasons: ['ingestor: redis: connect ECONNREFUSED 127.0.0.1:6379'],
    });
    redisUp = true;
    const ready = await get(app, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      ready: true,
      phase: 'running',
      services: { ingestor: { service: 'ok', redis: 'ok' }, sink: { service: 'ok' } },
      reasons: [],
    });

    const metrics = await get(app, '/metrics');
    expect(metrics.body).toContain('tickline_service_up{service="ingestor"} 1');
    expect(metrics.body).toContain('tickline_process_cpu_user_seconds_total');
    const names = metrics.body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(names.length).toBeGreaterThan(10);
    for (const line of names) expect(line).toMatch(/^tickline_/);
    expect((await get(app, '/nope')).status).toBe(404);

    const url = app.url;
    await Promise.all([app.close(), app.close()]);
    expect(events).toEqual(['start ingestor', 'start sink', 'stop sink', 'stop ingestor']);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('answers 503 "stopping" while services drain, and keeps serving until they are done', async () => {
    let finishDrain: () => void = () => undefined;
    const drained = new Promise<void>((resolve) => (finishDrain = resolve));
    app = await startApp({
      config,
      logger: captureLogger(config).logger,
      services: [defineService({ name: 'slow', start: () => Promise.resolve({ stop: () => drained }) })],
    });
    const closing = app.close();
    try {
      const during = await get(app, '/readyz');
      expect(during.status).toBe(503);
      expect(JSON.parse(during.body)).toEqual({
        ready: false,
        phase: 'stopping',
        services: { slow: { service: 'stopping' } },
        reasons: ['process is stopping'],
      });
    } finally {
      finishDrain();
      await closing;
    }
  });

  it('runs every cleanup even when one fails, then reports the failure', async () => {
    const events: string[] = [];
    const broken = fakeService('broken', events, { stop: () => Promise.reject(new Error('socket hang up')) });
    app = await startApp({
      config,
      logger: captureLogger(config).logger,
      services: [fakeService('first', events), broken, fakeService('last', events)],
    });
    const url = app.url;
    await expect(app.close()).rejects.toMatchObject({
      code: 'STOP_FAILED',
      message: "stopping failed: service 'broken': socket hang up",
    });
    expect(events).toEqual(['start first', 'start broken', 'start last', 'stop last', 'stop first']);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('stops what started when a later service fails to start', async () => {
    const events: string[] = [];
    const failing = defineService({ name: 'failing', start: () => Promise.reject(new Error('no database')) });
    await expect(
      startApp({
        config,
        logger: captureLogger(config).logger,
        services: [fakeService('a', events), failing],
      }),
    ).rejects.toMatchObject({
      code: 'START_FAILED',
      message: "service 'failing' failed to start: no database",
    });
    expect(events).toEqual(['start a', 'stop a']);
  });

  it('reports a service failure and bounds slow readiness checks', async () => {
    const slowConfig = testConfig({});
    let fail: (error: unknown) => void = () => undefined;
    app = await startApp({
      config: { ...slowConfig, runtime: { ...slowConfig.runtime, readyCheckTimeoutMs: 50 } },
      logger: captureLogger(config).logger,
      services: [
        defineService({
          name: 'stuck',
          start: (ctx) => {
            fail = ctx.fail;
            return Promise.resolve({
              checks: { ping: () => new Promise<void>(() => undefined) },
              stop: async () => {},
            });
          },
        }),
      ],
    });
    expect((await app.readiness()).reasons).toEqual(['stuck: ping: no answer within 50 ms']);
    fail(new Error('consumer crashed'));
    await expect(app.failed).resolves.toMatchObject({
      code: 'SERVICE_FAILED',
      message: "service 'stuck' failed: consumer crashed",
    });
  });

  it('rejects bad or duplicate service names', async () => {
    expect(() => defineService({ name: 'Bad Name', start: () => Promise.reject(new Error()) })).toThrow(
      'invalid service name "Bad Name"',
    );
    const events: string[] = [];
    await expect(
      startApp({ config, services: [fakeService('a', events), fakeService('a', events)] }),
    ).rejects.toThrow("service 'a' is listed twice");
  });
});
