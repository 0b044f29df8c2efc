import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RecordedFrame } from '../recording/recordingFile';
import { dropConnection, type CountedConnection } from './countFaults';
import { closeHttp, endUpgrade, portOf } from './mockHttp';
import { replayFrames, type ReplayOptions } from './mockReplay';

/**
 * What every mock venue shares: the HTTP server and its upgrades (refused with 503 while
 * `refuseConnectionsFor` runs), the connection list, the stall and drop switches, replay and close.
 * A venue adds its paths, its protocol and how a frame reaches its subscribers.
 */
export abstract class MockVenueServer<C extends CountedConnection> {
  readonly connections: C[] = [];
  protected readonly wss = new WebSocketServer({ noServer: true });
  protected closed = false;
  private refuseUntil = 0;

  protected constructor(
    protected readonly http: Server,
    private readonly host: string,
  ) {
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (Date.now() < this.refuseUntil || this.closed) {
        this.onRefused();
        endUpgrade(socket, '503 Service Unavailable');
        return;
      }
      this.onUpgrade(req, socket, head);
    });
  }

  /** A client asks to upgrade; answer with `endUpgrade` or `this.wss.handleUpgrade`. */
  protected abstract onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Sends one recorded frame to its subscribers; returns how many got it. */
  abstract publishFrame(text: string): number;
  /** Whether some open connection subscribed to something (replay waits for one). */
  protected abstract hasSubscriber(): boolean;
  /** Counts a refused upgrade. */
  protected abstract onRefused(): void;

  get port(): number {
    return portOf(this.http);
  }

  /** The origin to give a feed (`TICKLINE_<VENUE>_WS_URL`), e.g. `ws://127.0.0.1:40123`. */
  get url(): string {
    return `ws://${this.host}:${this.port}`;
  }

  get openConnections(): C[] {
    return this.connections.filter((c) => c.open);
  }

  /** Upgrades fail with HTTP 503 for this long. */
  refuseConnectionsFor(ms: number): void {
    this.refuseUntil = Date.now() + ms;
  }

  /** Every open connection goes silent (socket open, nothing sent) for `ms`. */
  stallConnections(ms: number): void {
    for (const c of this.openConnections) c.stalledUntil = Date.now() + ms;
  }

  /** Drops every connection without a close frame (see {@link dropConnection}). */
  dropConnections(): void {
    for (const c of this.openConnections) dropConnection(c);
  }

  /** Plays recorded frames through {@link publishFrame}; resolves when done or when the server closes. */
  replay(frames: AsyncIterable<RecordedFrame> | Iterable<RecordedFrame>, options: ReplayOptions) {
    return replayFrames(frames, options, {
      isClosed: () => this.closed,
      hasSubscriber: () => this.hasSubscriber(),
      isCongested: () => this.openConnections.some((c) => c.socket.bufferedAmount > 1 << 20),
      publishFrame: (text) => this.publishFrame(text),
    });
  }

  /** Idempotent: cuts every connection and stops listening. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await closeHttp(this.http);
  }
}
