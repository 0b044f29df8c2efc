import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What `/readyz` answers: ready only when every service runs and every check passes. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly phase: 'starting' | 'running' | 'stopping' | 'stopped';
  /** Per service, per check: `ok` or the reason it fails. */
  readonly services: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** One line per failing check, e.g. `ingestor: redis: connect ECONNREFUSED`. */
  readonly reasons: readonly string[];
}

export interface HealthHandlers {
  readiness(): Promise<ReadinessReport>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Applied to every response body, so no secret leaves through HTTP. */
  scrub(text: string): string;
  onError(error: unknown): void;
}

export interface HealthServer {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

async function route(req: IncomingMessage, res: ServerResponse, handlers: HealthHandlers): Promise<void> {
  const json = (status: number, value: unknown) =>
    send(res, status, 'application/json', handlers.scrub(JSON.stringify(value)));
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'method not allowed' });
  switch (path) {
    case '/healthz':
      return json(200, { status: 'alive' });
    case '/readyz': {
      const report = await handlers.readiness();
      return json(report.ready ? 200 : 503, report);
    }
    case '/metrics': {
      const { contentType, body } = await handlers.metrics();
      return send(res, 200, contentType, handlers.scrub(body));
    }
    default:
      return json(404, { error: 'not found', endpoints: ['/healthz', '/readyz', '/metrics'] });
  }
}

function displayHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return '127.0.0.1';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

/** Serves `/healthz`, `/readyz` and `/metrics` on host:port (port 0 picks a free one). */
export function startHealthServer(
  host: string,
  port: number,
  handlers: HealthHandlers,
): Promise<HealthServer> {
  const server = createServer((req, res) => {
    route(req, res, handlers).catch((error: unknown) => {
      handlers.onError(error);
      if (!res.headersSent) send(res, 500, 'application/json', '{"error":"internal error"}');
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (error) => handlers.onError(error));
      const address = server.address() as AddressInfo;
      resolve({
        url: `http://${displayHost(address)}:${address.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
