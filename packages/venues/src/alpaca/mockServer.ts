import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { applyCountFaults, isStalled, seededRandom, type CountFaults } from '../mock/countFaults';
import { endUpgrade, listenHttp } from '../mock/mockHttp';
import type { ReplayOptions } from '../mock/mockReplay';
import { MockVenueServer } from '../mock/mockVenueServer';
import { MsgpackTimestamp, decodeMsgpack, encodeMsgpack } from '../mock/msgpack';
import type { VenueError } from '../venueError';
import { ALPACA_FEED_PATHS } from './alpacaFeedOptions';
import { channelOf } from './alpacaFrames';
import { readAlpacaRecording } from './alpacaRecording';
import { rfc3339ToEpochMs } from './alpacaTime';
import { errorItem, handleControl, type AuthVerdict, type Subscriptions } from './mockControl';

/** Fault switches of the Alpaca mock, as the Binance mock's (see the README). */
export interface AlpacaMockFaults extends CountFaults {
  /** Extra malformed frames per data frame, 0..1 (seeded). Real frames are kept. */
  malformedRate: number;
}

/** Every field has a default, in brackets. */
export interface AlpacaMockOptions {
  /** [0: any free port] */
  port?: number;
  /** [127.0.0.1] */
  host?: string;
  /** The key pair the mock accepts. ['mock-key-id', 'mock-secret-key'] */
  keyId?: string;
  secretKey?: string;
  /** Distinct trade + quote symbols per connection (Alpaca's free plan: 30). [30] */
  maxSymbols?: number;
  /** Connections per key and endpoint (Alpaca: usually 1). [1] */
  maxConnectionsPerKey?: number;
  /**
   * Feed paths the key's plan covers; auth on another gets `409 insufficient subscription` and a
   * close (e.g. `/v2/sip` on the free plan). [all]
   */
  plan?: readonly string[];
  /** Unauthenticated connections get `404 auth timeout` and are closed after this, ms. [10000] */
  authTimeoutMs?: number;
  faults?: Partial<AlpacaMockFaults>;
  /** Seed of the fault PRNG. [1] */
  seed?: number;
}

/** What the mock knows of one client connection (exposed for tests). */
export interface AlpacaMockConnection {
  id: number;
  path: string;
  crypto: boolean;
  codec: 'json' | 'msgpack';
  key: string | undefined;
  authenticated: boolean;
  subscriptions: Subscriptions;
  /** Client messages received, as decoded. */
  received: unknown[];
  sent: number;
  malformedSent: number;
  open: boolean;
  stalledUntil: number;
  stallUsed: boolean;
  socket: WebSocket;
  /** The TCP socket under `socket` (drops end it). */
  tcp: Duplex;
}

type Item = Record<string, unknown>;
const MALFORMED = [
  'truncated',
  'missingPrice',
  'negativePrice',
  'zeroSize',
  'badTime',
  'unknownSymbol',
] as const;

/**
 * An Alpaca market-data stream server for tests and replay, speaking the real protocol: the feed
 * paths, `[{"T":"success","msg":"connected"}]`, auth by message or by `APCA-API-*` headers with the
 * real errors (wrong keys: 402 and close; a second connection of a key: 406 and close; 10 s auth
 * timeout: 404), subscribe / unsubscribe answered with the full subscription set, the symbol limit
 * (405), batched array frames, JSON or msgpack (`Content-Type: application/msgpack`, as the official
 * SDK asks, timestamps as msgpack timestamps with nanoseconds), replay and fault switches.
 */
export class AlpacaMockServer extends MockVenueServer<AlpacaMockConnection> {
  readonly faults: AlpacaMockFaults;
  readonly stats = { refused: 0, authAttempts: 0, authFailures: 0, connectionLimit: 0, published: 0 };
  private readonly random: () => number;

  private constructor(
    http: Server,
    private readonly options: Required<Omit<AlpacaMockOptions, 'faults'>>,
    faults: Partial<AlpacaMockFaults>,
  ) {
    super(http, options.host);
    this.faults = { malformedRate: 0, ...faults };
    this.random = seededRandom(options.seed);
  }

  static async start(options: AlpacaMockOptions = {}): Promise<AlpacaMockServer> {
    const resolved = {
      port: 0,
      host: '127.0.0.1',
      keyId: 'mock-key-id',
      secretKey: 'mock-secret-key',
      maxSymbols: 30,
      maxConnectionsPerKey: 1,
      authTimeoutMs: 10_000,
      plan: [] as readonly string[],
      seed: 1,
      ...options,
    };
    const http = await listenHttp(resolved.host, resolved.port);
    return new AlpacaMockServer(http, resolved, options.faults ?? {});
  }

  /** Sends data items as one batched frame to each connection subscribed to some of them. */
  publishItems(items: readonly Item[]): number {
    return this.deliver(items, undefined);
  }

  /** Sends a recorded frame (a JSON array text); unchanged to clients that take all of it as JSON. */
  publishFrame(text: string): number {
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch {
      return 0;
    }
    return Array.isArray(items) ? this.deliver(items as Item[], text) : 0;
  }

  /** Replays a recording in either format, e.g. for `tickline mock-venue --venue alpaca --file F`. */
  replayFile(path: string, options: ReplayOptions, onBadLine?: (error: VenueError) => void) {
    return this.replay(readAlpacaRecording(path, onBadLine), options);
  }

  /** Resolves once `count` open connections subscribe to `symbol` on `channel`. */
  async waitForSubscription(channel: string, symbol: string, count = 1): Promise<void> {
    const has = (c: AlpacaMockConnection) => (c.subscriptions[channel] ?? []).includes(symbol);
    while (!this.closed && this.openConnections.filter(has).length < count) await sleep(5);
  }

  protected hasSubscriber(): boolean {
    return this.openConnections.some((c) => Object.values(c.subscriptions).some((l) => l.length > 0));
  }

  protected onRefused(): void {
    this.stats.refused += 1;
  }

  protected onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'ws://mock').pathname;
    const feeds: readonly string[] = [
      ...Object.values(ALPACA_FEED_PATHS),
      '/v1beta1/boats',
      '/v1beta1/overnight',
    ];
    if (!feeds.includes(path)) return endUpgrade(socket, '404 Not Found');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket, req, path));
  }

  private onConnection(socket: WebSocket, tcp: Duplex, req: IncomingMessage, path: string): void {
    const c: AlpacaMockConnection = {
      id: this.connections.length + 1,
      path,
      crypto: path.includes('/crypto/'),
      codec: /application\/msgpack/i.test(req.headers['content-type'] ?? '') ? 'msgpack' : 'json',
      key: undefined,
      authenticated: false,
      subscriptions: {},
      received: [],
      sent: 0,
      malformedSent: 0,
      open: true,
      stalledUntil: 0,
      stallUsed: false,
      socket,
      tcp,
    };
    this.connections.push(c);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      c.open = false;
      clearTimeout(authTimer);
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onClientMessage(c, data, isBinary));
    const authTimer = setTimeout(() => {
      if (!c.authenticated && c.open) this.answer(c, { reply: [errorItem(404)], close: true });
    }, this.options.authTimeoutMs);
    this.send(c, [{ T: 'success', msg: 'connected' }]);
    const key = req.headers['apca-api-key-id'];
    if (key !== undefined) {
      this.onControl(c, { action: 'auth', key, secret: req.headers['apca-api-secret-key'] });
    }
  }

  private onClientMessage(c: AlpacaMockConnection, data: Buffer, isBinary: boolean): void {
    if (!c.open || isStalled(c)) return;
    let message: unknown;
    try {
      message = isBinary ? decodeMsgpack(data) : JSON.parse(data.toString());
    } catch {
      return this.send(c, [errorItem(400)]);
    }
    c.received.push(message);
    this.onControl(c, message);
  }

  private onControl(c: AlpacaMockConnection, message: unknown): void {
    const outcome = handleControl(message, {
      crypto: c.crypto,
      authenticated: c.authenticated,
      subscriptions: c.subscriptions,
      maxSymbols: this.options.maxSymbols,
      authenticate: (key, secret) => this.authenticate(c, key, secret),
    });
    if (outcome.authenticated) c.authenticated = true;
    if (outcome.subscriptions) c.subscriptions = outcome.subscriptions;
    this.answer(c, outcome);
  }

  private authenticate(c: AlpacaMockConnection, key: unknown, secret: unknown): AuthVerdict {
    this.stats.authAttempts += 1;
    if (key !== this.options.keyId || secret !== this.options.secretKey) {
      this.stats.authFailures += 1;
      return 'failed';
    }
    if (this.options.plan.length > 0 && !this.options.plan.includes(c.path)) return 'insufficient';
    const others = this.openConnections.filter(
      (o) => o !== c && o.authenticated && o.key === key && o.path === c.path,
    );
    if (others.length >= this.options.maxConnectionsPerKey) {
      this.stats.connectionLimit += 1;
      return 'connectionLimit';
    }
    c.key = key;
    return 'ok';
  }

  private answer(c: AlpacaMockConnection, outcome: { reply: Item[]; close?: boolean }): void {
    this.send(c, outcome.reply);
    if (outcome.close) {
      c.open = false;
      c.socket.close(1008, outcome.reply.map((i) => String(i.msg)).join(', '));
    }
  }

  private deliver(items: readonly Item[], text: string | undefined): number {
    this.stats.published += 1;
    let delivered = 0;
    const malformed = this.malformedDraw();
    for (const c of this.openConnections) {
      if (!c.authenticated || isStalled(c)) continue;
      const kept = items.filter((item) => this.wants(c, item));
      if (kept.length === 0) continue;
      this.send(c, kept, kept.length === items.length ? text : undefined);
      c.sent += 1;
      delivered += 1;
      for (const kind of malformed) {
        this.sendMalformed(c, kept[0] as Item, kind);
        c.malformedSent += 1;
      }
      applyCountFaults(c, this.faults);
    }
    return delivered;
  }

  private wants(c: AlpacaMockConnection, item: Item): boolean {
    const channel = channelOf(item.T);
    const list = channel === undefined ? undefined : c.subscriptions[channel];
    return list !== undefined && (list.includes('*') || list.includes(String(item.S)));
  }

  private send(c: AlpacaMockConnection, items: readonly Item[], text?: string): void {
    if (c.codec === 'json') c.socket.send(text ?? JSON.stringify(items));
    else c.socket.send(encodeMsgpack(items.map(withTimestamps)));
  }

  private malformedDraw(): Array<(typeof MALFORMED)[number]> {
    const kinds: Array<(typeof MALFORMED)[number]> = [];
    let budget = this.faults.malformedRate;
    while (budget > 0 && this.random() < Math.min(budget, 1)) {
      kinds.push(MALFORMED[Math.floor(this.random() * MALFORMED.length)] ?? 'truncated');
      budget -= 1;
    }
    return kinds;
  }

  private sendMalformed(c: AlpacaMockConnection, item: Item, kind: (typeof MALFORMED)[number]): void {
    const bad: Item = { ...item };
    const price = item.T === 'q' ? 'bp' : 'p';
    switch (kind) {
      case 'truncated': {
        const text = JSON.stringify([item]);
        c.socket.send(text.slice(0, Math.floor(text.length / 2)));
        return;
      }
      case 'missingPrice':
        delete bad[price];
        break;
      case 'negativePrice':
        bad[price] = -1;
        break;
      case 'zeroSize':
        bad[item.T === 'q' ? 'bs' : 's'] = 0;
        break;
      case 'badTime':
        bad.t = 'yesterday';
        break;
      case 'unknownSymbol':
        bad.S = 'ZZZZ';
        break;
    }
    c.socket.send(c.codec === 'json' ? JSON.stringify([bad]) : encodeMsgpack([bad]));
  }
}

/** Alpaca's msgpack frames carry `t` as a msgpack timestamp with nanoseconds. */
function withTimestamps(item: Item): Item {
  const t = item.t;
  if (typeof t !== 'string') return item;
  const ms = rfc3339ToEpochMs(t);
  if (ms === undefined) return item;
  const fraction = /\.(\d{1,9})/.exec(t)?.[1] ?? '';
  return { ...item, t: new MsgpackTimestamp(Math.floor(ms / 1000), Number(fraction.padEnd(9, '0'))) };
}
