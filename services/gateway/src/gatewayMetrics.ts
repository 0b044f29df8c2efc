import { Counter, Gauge, type Registry } from 'prom-client';

/** The gateway's own metrics (`tickline_gateway_*`). */
export interface GatewayMetrics {
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly upgradesRefused: Counter<'status'>;
  readonly connections: Gauge;
  readonly subscriptions: Gauge<'channel'>;
  /** Subscriptions refused: `per_connection` (maxSubscriptions) or `redis_connections` (maxRedisConnections). */
  readonly subscriptionsRefused: Counter<'reason'>;
  /** Redis connections the gateway holds open: read from `redisProbe` on scrape. */
  readonly redisConnections: Gauge;
  readonly redisProbe: { read: () => number };
  readonly framesSent: Counter<'type'>;
  readonly partialsDropped: Counter;
  readonly slowConsumerCloses: Counter;
  readonly deadClients: Counter;
  /** Largest per-client queue right now, frames: read from `queueProbe` on scrape. */
  readonly maxQueuedFrames: Gauge;
  readonly queueProbe: { read: () => number };
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const p = 'tickline_gateway_';
  const queueProbe = { read: () => 0 };
  const redisProbe = { read: () => 0 };
  return {
    queueProbe,
    redisProbe,
    httpRequests: new Counter({
      name: `${p}http_requests_total`,
      help: 'HTTP requests answered, by route and status.',
      labelNames: ['route', 'status'],
      registers,
    }),
    upgradesRefused: new Counter({
      name: `${p}ws_upgrades_refused_total`,
      help: 'WebSocket upgrades refused, by HTTP status.',
      labelNames: ['status'],
      registers,
    }),
    connections: new Gauge({ name: `${p}ws_connections`, help: 'Open WebSocket connections.', registers }),
    subscriptions: new Gauge({
      name: `${p}ws_subscriptions`,
      help: 'Active WebSocket subscriptions, by channel.',
      labelNames: ['channel'],
      registers,
    }),
    subscriptionsRefused: new Counter({
      name: `${p}ws_subscriptions_refused_total`,
      help: 'Subscriptions refused, by reason: per_connection (maxSubscriptions) or redis_connections (maxRedisConnections).',
      labelNames: ['reason'],
      registers,
    }),
    redisConnections: new Gauge({
      name: `${p}redis_connections`,
      help: 'Redis connections the gateway holds open (commands, plus one reader per stream subscribed to).',
      registers,
      collect() {
        this.set(redisProbe.read());
      },
    }),
    framesSent: new Counter({
      name: `${p}ws_frames_sent_total`,
      help: 'Frames sent to WebSocket clients, by type.',
      labelNames: ['type'],
      registers,
    }),
    partialsDropped: new Counter({
      name: `${p}ws_partials_dropped_total`,
      help: 'Partial bar frames dropped or replaced for slow clients.',
      registers,
    }),
    slowConsumerCloses: new Counter({
      name: `${p}ws_slow_consumer_closes_total`,
      help: 'Clients closed for falling too far behind.',
      registers,
    }),
    deadClients: new Counter({
      name: `${p}ws_dead_clients_total`,
      help: 'Clients ended for not answering a ping.',
      registers,
    }),
    maxQueuedFrames: new Gauge({
      name: `${p}ws_max_queued_frames`,
      help: 'Frames queued for the most backed-up client.',
      registers,
      collect() {
        this.set(queueProbe.read());
      },
    }),
  };
}
