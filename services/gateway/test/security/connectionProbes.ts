import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import type Redis from 'ioredis';
import { call } from '../gatewayHarness';

/** What a probe got: the status (101 for an accepted upgrade), the body of a refusal, how long it took. */
export interface ProbeReply {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

/**
 * One request sent as an attacker would, with any Host and headers (fetch would set Host itself). With
 * `upgrade`, a WebSocket handshake: 101 when accepted (the socket is then dropped), else the refusal.
 */
export function probe(
  base: string,
  options: { path?: string; headers?: Record<string, string>; upgrade?: boolean } = {},
): Promise<ProbeReply> {
  const started = performance.now();
  const { hostname, port } = new URL(base);
  const upgrade = options.upgrade
    ? {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      }
    : {};
  return new Promise((resolve, reject) => {
    const req = request({
      hostname,
      port,
      path: options.path ?? (options.upgrade ? '/v1/stream' : '/v1/instruments'),
      headers: { ...upgrade, ...options.headers },
    });
    const done = (status: number, body: string) => resolve({ status, body, ms: performance.now() - started });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      done(res.statusCode ?? 0, '');
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => done(res.statusCode ?? 0, body));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status line of a request written byte for byte (e.g. HTTP/1.0 without any Host). */
export function rawStatus(base: string, text: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let reply = '';
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(reply);
      if (!status) return;
      socket.destroy();
      resolve({ status: Number(status[1]), ms: performance.now() - started });
    });
    socket.on('error', reject);
  });
}

/** /healthz answers 200 within a second. */
export async function expectHealthy(base: string): Promise<void> {
  const started = performance.now();
  const health = await call(`${base}/healthz`);
  expect({ status: health.status, fast: performance.now() - started < 1000 }).toEqual({
    status: 200,
    fast: true,
  });
}

/** Connections Redis holds under the client name `name` (CLIENT LIST). */
export async function connectionsNamed(redis: Redis, name: string): Promise<number> {
  const lines = String(await redis.client('LIST')).split('\n');
  return lines.filter((line) => line.includes(` name=${name} `)).length;
}
