import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TicklineClient } from '@tickline/client';
import { WebSocketServer } from 'ws';
import { authorizeRequest, STREAM_PROTOCOL, upgradeToken, type GatewayTokens } from '../auth';
import { GatewayError } from '../gatewayError';
import type { GatewayMetrics } from '../gatewayMetrics';
import type { GatewayLimits } from '../gatewayOptions';
import type { HostPolicy } from '../hostPolicy';
import { checkOrigin } from '../originPolicy';
import { LiveFeeds } from './liveFeeds';
import { StreamSession } from './streamSession';

export const STREAM_PATH = '/v1/stream';

export interface StreamServerOptions {
  readonly server: Server;
  readonly client: TicklineClient;
  readonly tokens: GatewayTokens;
  readonly origins: ReadonlySet<string>;
  readonly hosts: HostPolicy;
  readonly limits: GatewayLimits;
  /** Open WebSockets at most (gateway.maxSockets); the upgrade beyond is a 503. */
  readonly maxSockets: number;
  /** gateway.maxRedisConnections, named in the error frame of a subscription refused for want of one. */
  readonly maxRedisConnections: number;
  readonly metrics: GatewayMetrics;
  readonly scrub: (text: string) => string;
}

export interface StreamServer {
  readonly sessions: ReadonlySet<StreamSession>;
  close(): Promise<void>;
}

/** Refuses an upgrade with a plain HTTP response (the socket never becomes a WebSocket). */
function refuse(socket: Duplex, error: GatewayError): void {
  const body = JSON.stringify(error.toJSON());
  const reasons: Record<number, string> = {
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    503: 'Service Unavailable',
  };
  const reason = reasons[error.status] ?? 'Bad Request';
  const auth = error.status === 401 ? 'WWW-Authenticate: Bearer realm="tickline"\r\n' : '';
  socket.end(
    `HTTP/1.1 ${error.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n${auth}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Host, path, Origin, token and room are checked on the HTTP upgrade request, before any WebSocket exists. */
function checkUpgrade(req: IncomingMessage, options: StreamServerOptions, open: number): void {
  options.hosts.check(req);
  const path = new URL(req.url ?? '/', 'http://gateway').pathname;
  if (path !== STREAM_PATH)
    throw new GatewayError('NOT_FOUND', `no WebSocket endpoint ${path}; use ${STREAM_PATH}`);
  checkOrigin(req, options.origins);
  authorizeRequest(req, 'read', options.tokens, upgradeToken(req));
  if (open >= options.maxSockets) {
    throw new GatewayError(
      'UNAVAILABLE',
      `the gateway holds ${options.maxSockets} WebSocket connections, its maximum (gateway.maxSockets); try again later`,
    );
  }
}

/** Serves /v1/stream on the gateway's HTTP server: authenticated upgrades, sessions, ping-based liveness. */
export function attachStreamServer(options: StreamServerOptions): StreamServer {
  const { limits, metrics } = options;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayloadBytes,
    // Frames are small JSON sent to many clients: compressing each per client would cost more than it saves.
    perMessageDeflate: false,
    // Browsers send the token as a subprotocol next to tickline.v1; only tickline.v1 is ever echoed back.
    handleProtocols: (protocols) => (protocols.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
  });
  const sessions = new Set<StreamSession>();
  const feeds = new LiveFeeds(options.client, limits.maxTrackedBars);
  metrics.queueProbe.read = () => Math.max(0, ...[...sessions].map((s) => s.queued));

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      checkUpgrade(req, options, sessions.size);
    } catch (error) {
      const refusal =
        error instanceof GatewayError ? error : new GatewayError('BAD_REQUEST', 'bad upgrade request');
      metrics.upgradesRefused.inc({ status: String(refusal.status) });
      refuse(socket, refusal);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new StreamSession(ws, {
        client: options.client,
        feeds,
        metrics,
        maxSubscriptions: limits.maxSubscriptions,
        maxRedisConnections: options.maxRedisConnections,
        maxQueuedFrames: limits.maxQueuedFrames,
        highWaterBytes: limits.highWaterBytes,
        scrub: options.scrub,
        closeGraceMs: limits.pingIntervalMs,
      });
      sessions.add(session);
      metrics.connections.inc();
      ws.once('close', () => {
        sessions.delete(session);
        metrics.connections.dec();
      });
    });
  };
  options.server.on('upgrade', onUpgrade);

  // A client that has not answered the previous ping by the next one is gone: cut it off.
  const pinger = setInterval(() => {
    for (const session of sessions) {
      if (!session.alive) {
        metrics.deadClients.inc();
        session.terminate();
        continue;
      }
      session.alive = false;
      session.ping();
    }
  }, limits.pingIntervalMs);
  pinger.unref();

  return {
    sessions,
    close: () => {
      clearInterval(pinger);
      options.server.off('upgrade', onUpgrade);
      for (const session of sessions) session.close(1001, 'gateway shutting down');
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
