import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** An HTTP server for a mock venue: plain requests get 404; WebSocket upgrades are the venue's to handle. */
export async function listenHttp(host: string, port: number): Promise<Server> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  return http;
}

export function portOf(http: Server): number {
  const address = http.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** Answers an upgrade request with a bare HTTP status (refusals 503, unknown paths 404). */
export function endUpgrade(
  socket: Duplex,
  status: '400 Bad Request' | '404 Not Found' | '503 Service Unavailable',
): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function closeHttp(http: Server): Promise<void> {
  return new Promise<void>((resolve) => http.close(() => resolve()));
}
