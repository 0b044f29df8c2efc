import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { applyCountFaults, isStalled } from '../mock/countFaults';
import { endUpgrade, listenHttp } from '../mock/mockHttp';
import type { ReplayOptions } from '../mock/mockReplay';
import { MockVenueServer } from '../mock/mockVenueServer';
import { encodeTextFrames } from '../mock/wsFrames';
import { VenueError } from '../venueError';
import { readBinanceRecording } from './binanceRecording';
import { handleControl } from './mockControl';
import { defaultFaults, isSkipped, malformedDraw, seededRandom, type MockFaults } from './mockFaults';
import { envelope, malformedFrame, splitFrame, tradeIdOf, type SplitFrame } from './mockFrames';

/** Every field has a default, given in brackets. */
export interface BinanceMockOptions {
  /** [0: any free port] */
  port?: number;
  /** [127.0.0.1] */
  host?: string;
  /** Server ping period, ms [20000, as Binance since 2025]. */
  pingIntervalMs?: number;
  /** A connection that has not answered a ping for this long is cut, ms [60000]. */
  pongTimeoutMs?: number;
  /** [1024] */
  maxStreamsPerConnection?: number;
  /** Incoming messages (control, ping, pong) per second before the connection is cut [5]. */
  maxIncomingPerSecond?: number;
  /** Connections are closed at this age, ms [24 h]. */
  maxConnectionAgeMs?: number;
  faults?: Partial<MockFaults>;
  /** Seed of the fault PRNG [1]. */
  seed?: number;
}

/** What the mock knows of one client connection (exposed for tests). */
export interface MockConnection {
  id: number;
  path: string;
  combined: boolean;
  streams: string[];
  /** Data frames sent (malformed ones excluded). */
  sent: number;
  malformedSent: number;
  pongs: number;
  /** Pongs whose payload was not the last ping's (Binance requires the echo). */
  badPongs: number;
  lastPing: string;
  controlMessages: number;
  open: boolean;
  stalledUntil: number;
  stallUsed: boolean;
  lastPongAt: number;
  incoming: number[];
  socket: WebSocket;
  /** The TCP socket under `socket` (drops end it). */
  tcp: Duplex;
}

export type { ReplayOptions } from '../mock/mockReplay';

/**
 * A Binance spot market-stream server for tests and replay, speaking the real protocol: `/stream?streams=`
 * (combined envelopes) and `/ws/<stream>` (raw payloads) paths, live SUBSCRIBE / UNSUBSCRIBE /
 * LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY with Binance's replies and errors, server pings
 * with a pong deadline, the incoming-message rate limit, the connection age limit and
 * `serverShutdown`, plus fault switches.
 */
export class BinanceMockServer extends MockVenueServer<MockConnection> {
  readonly faults: MockFaults;
  readonly stats = { refused: 0, rateLimitCloses: 0, skipped: 0, published: 0 };
  private readonly random: () => number;
  private tradeIndex = 0;
  private pingTimer: NodeJS.Timeout | undefined;

  private constructor(
    http: Server,
    private readonly options: Required<Omit<BinanceMockOptions, 'faults'>>,
    faults: Partial<MockFaults>,
  ) {
    super(http, options.host);
    this.faults = { ...defaultFaults(), ...faults };
    this.random = seededRandom(options.seed);
    this.pingTimer = setInterval(() => this.pingAll(), options.pingIntervalMs);
  }

  static async start(options: BinanceMockOptions = {}): Promise<BinanceMockServer> {
    const resolved = {
      port: 0,
      host: '127.0.0.1',
      pingIntervalMs: 20_000,
      pongTimeoutMs: 60_000,
      maxStreamsPerConnection: 1024,
      maxIncomingPerSecond: 5,
      maxConnectionAgeMs: 24 * 3600_000,
      seed: 1,
      ...options,
    };
    // The deadline is checked at each ping: a period at or above it would cut every client that
    // stays a full period, pongs or not.
    if (!(resolved.pongTimeoutMs > resolved.pingIntervalMs)) {
      throw new VenueError(
        'INVALID_OPTIONS',
        `Binance mock: pongTimeoutMs (${resolved.pongTimeoutMs}) must exceed pingIntervalMs (${resolved.pingIntervalMs})`,
      );
    }
    const http = await listenHttp(resolved.host, resolved.port);
    return new BinanceMockServer(http, resolved, options.faults ?? {});
  }

  sendServerShutdown(): void {
    const payload = JSON.stringify({ e: 'serverShutdown', E: Date.now() });
    for (const c of this.openConnections)
      c.socket.send(c.combined ? envelope('!serverShutdown', payload) : payload);
  }

  /** Sends one frame (envelope or raw payload text) to its stream's subscribers; returns how many got it. */
  publishFrame(text: string): number {
    const frame = splitFrame(text);
    return frame === undefined ? 0 : this.publish(frame.stream, frame.payload);
  }

  /** Sends a payload on a stream to its subscribers, applying the faults; returns how many got it. */
  publish(stream: string, payload: string): number {
    this.stats.published += 1;
    const id = tradeIdOf(stream, payload);
    if (id !== undefined && isSkipped(this.faults, id, this.tradeIndex++)) {
      this.stats.skipped += 1;
      return 0;
    }
    let delivered = 0;
    const malformed = malformedDraw(this.faults.malformedRate, this.random);
    for (const c of this.openConnections) {
      // A socket the client already cut (the server has not seen it yet) would swallow the frame.
      if (!c.streams.includes(stream) || isStalled(c) || c.socket.readyState !== WebSocket.OPEN) continue;
      this.send(c, { stream, payload });
      c.sent += 1;
      delivered += 1;
      for (const kind of malformed) {
        this.send(c, malformedFrame({ stream, payload }, kind));
        c.malformedSent += 1;
      }
      applyCountFaults(c, this.faults);
    }
    return delivered;
  }

  /**
   * The benchmark path: `payloads` of one stream to each subscriber as pre-encoded frames in one
   * socket write (see encodeTextFrames), no faults. Resolves when every socket took them without
   * queueing more than `highWaterBytes`, so a loop calling it runs as fast as the clients read.
   */
  async publishBatch(stream: string, payloads: readonly string[], highWaterBytes = 4 << 20): Promise<number> {
    const targets = this.openConnections.filter(
      (c) =>
        c.streams.includes(stream) &&
        !isStalled(c) &&
        c.socket.readyState === WebSocket.OPEN &&
        c.tcp.writable,
    );
    const frames = new Map<boolean, Buffer>();
    const encoded = (combined: boolean) => {
      let buffer = frames.get(combined);
      if (buffer === undefined) {
        buffer = encodeTextFrames(combined ? payloads.map((p) => envelope(stream, p)) : payloads);
        frames.set(combined, buffer);
      }
      return buffer;
    };
    for (const c of targets) {
      c.tcp.write(encoded(c.combined));
      c.sent += payloads.length;
    }
    this.stats.published += payloads.length;
    await Promise.all(
      targets.filter((c) => c.tcp.writableLength > highWaterBytes).map((c) => drained(c.tcp)),
    );
    return targets.length;
  }

  /** Replays a recording file in either format (see README), e.g. for `tickline mock-venue --file F`. */
  replayFile(path: string, options: ReplayOptions, onBadLine?: (error: VenueError) => void) {
    return this.replay(readBinanceRecording(path, onBadLine), options);
  }

  /** Resolves once some open connection subscribes to `stream`. */
  async waitForSubscription(stream: string, connections = 1): Promise<void> {
    while (this.openConnections.filter((c) => c.streams.includes(stream)).length < connections)
      await sleep(5);
  }

  override async close(): Promise<void> {
    clearInterval(this.pingTimer);
    await super.close();
  }

  protected hasSubscriber(): boolean {
    return this.connections.some((c) => c.open && c.streams.length > 0);
  }

  protected onRefused(): void {
    this.stats.refused += 1;
  }

  protected onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const route = parsePath(req.url ?? '/');
    if (route === undefined || route.streams.length > this.options.maxStreamsPerConnection) {
      endUpgrade(socket, route ? '400 Bad Request' : '404 Not Found');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket, req.url ?? '/', route));
  }

  private onConnection(
    socket: WebSocket,
    tcp: Duplex,
    path: string,
    route: { combined: boolean; streams: string[] },
  ): void {
    const now = Date.now();
    const c: MockConnection = {
      id: this.connections.length + 1,
      path,
      ...route,
      sent: 0,
      malformedSent: 0,
      pongs: 0,
      badPongs: 0,
      lastPing: '',
      controlMessages: 0,
      open: true,
      stalledUntil: 0,
      stallUsed: false,
      lastPongAt: now,
      incoming: [],
      socket,
      tcp,
    };
    this.connections.push(c);
    const ageTimer = setTimeout(() => socket.close(1000), this.options.maxConnectionAgeMs);
    socket.on('message', (data: Buffer) => this.onControl(c, data.toString()));
    socket.on('pong', (data: Buffer) => {
      c.pongs += 1;
      if (data.toString() !== c.lastPing) c.badPongs += 1;
      c.lastPongAt = Date.now();
      this.countIncoming(c);
    });
    socket.on('ping', () => this.countIncoming(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      c.open = false;
      clearTimeout(ageTimer);
    });
  }

  private onControl(c: MockConnection, text: string): void {
    c.controlMessages += 1;
    if (!c.open || !this.countIncoming(c) || isStalled(c)) return;
    const outcome = handleControl(text, {
      streams: c.streams,
      combined: c.combined,
      maxStreams: this.options.maxStreamsPerConnection,
    });
    if (outcome.streams) c.streams = outcome.streams;
    if (outcome.combined !== undefined) c.combined = outcome.combined;
    c.socket.send(outcome.reply);
  }

  /** Binance counts pings, pongs and control messages; more than the limit in a second cuts the link. */
  private countIncoming(c: MockConnection): boolean {
    const now = Date.now();
    c.incoming = c.incoming.filter((t) => now - t < 1000);
    c.incoming.push(now);
    if (c.incoming.length <= this.options.maxIncomingPerSecond) return true;
    this.stats.rateLimitCloses += 1;
    c.open = false;
    c.socket.close(1008, 'Too many requests');
    return false;
  }

  private pingAll(): void {
    const now = Date.now();
    for (const c of this.openConnections) {
      if (isStalled(c)) continue;
      if (now - c.lastPongAt > this.options.pongTimeoutMs) c.socket.terminate();
      else {
        c.lastPing = String(now);
        c.socket.ping(c.lastPing);
      }
    }
  }

  private send(c: MockConnection, frame: SplitFrame): void {
    c.socket.send(c.combined ? envelope(frame.stream, frame.payload) : frame.payload);
  }
}

/** Resolves at the socket's next 'drain' or 'close' (at once if it can no longer write), leaving no listener behind. */
function drained(socket: Duplex): Promise<void> {
  if (socket.destroyed || !socket.writable) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done).off('close', done);
      resolve();
    };
    socket.on('drain', done).on('close', done);
  });
}

/** `/stream?streams=a/b` (combined), `/stream`, `/ws`, `/ws/a/b` (raw); anything else is not Binance. */
export function parsePath(path: string): { combined: boolean; streams: string[] } | undefined {
  const url = new URL(path, 'ws://mock');
  const split = (s: string) => s.split('/').filter((x) => x !== '');
  if (url.pathname === '/stream' || url.pathname === '/stream/') {
    return { combined: true, streams: split(url.searchParams.get('streams') ?? '') };
  }
  if (url.pathname === '/ws' || url.pathname.startsWith('/ws/')) {
    return { combined: false, streams: split(url.pathname.slice(3)) };
  }
  return undefined;
}
