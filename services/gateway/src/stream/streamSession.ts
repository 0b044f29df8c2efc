import { ClientError, type BarEvent, type TicklineClient } from '@tickline/client';
import { map, type Observable, type Subscription } from 'rxjs';
import WebSocket from 'ws';
import type { GatewayMetrics } from '../gatewayMetrics';
import { SharedBar, type LiveFeeds, type SharedTick } from './liveFeeds';
import { SendQueue, type QueuedFrame } from './sendQueue';
import {
  errorFrame,
  FrameError,
  parseClientFrame,
  type BarsSubscribeFrame,
  type ClientFrame,
  type TicksSubscribeFrame,
} from './streamProtocol';

export interface SessionOptions {
  readonly client: TicklineClient;
  /** Live-only subscriptions (no `from`) read through these, shared by every session. */
  readonly feeds: LiveFeeds;
  readonly metrics: GatewayMetrics;
  readonly maxSubscriptions: number;
  /** gateway.maxRedisConnections: named when a subscription is refused for want of a stream reader. */
  readonly maxRedisConnections: number;
  readonly maxQueuedFrames: number;
  readonly highWaterBytes: number;
  /** Applied to every error message sent, so no secret leaves through a frame. */
  readonly scrub: (text: string) => string;
  /** A client told to go away is cut off after this long if it does not complete the close. */
  readonly closeGraceMs: number;
}

/** Close code and reason for a client too far behind (RFC 6455 1008: policy violation). */
export const SLOW_CONSUMER_CLOSE = 1008;

interface Active {
  readonly channel: 'bars' | 'ticks';
  readonly subscription: Subscription;
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** A bar frame, encoded once per event, kind and id (see SharedBar.frame). */
function barFrame(idJson: string, id: string, kind: BarEvent['kind'], shared: SharedBar): QueuedFrame {
  const text = shared.frame(kind, idJson);
  return kind === 'partial' ? { text, partialKey: `${id}\u0000${shared.event.bar.start}` } : { text };
}

/**
 * One WebSocket client: its subscriptions (each a client Observable, same semantics as @tickline/client) and
 * its bounded send queue. Frames go to the socket while its unsent bytes stay under `highWaterBytes`;
 * beyond that they wait in the queue, where the slow-consumer policy applies (see SendQueue).
 */
export class StreamSession {
  private readonly subs = new Map<string, Active>();
  private readonly queue: SendQueue;
  private closed = false;
  /** Cleared on each ping, set by the pong: still false at the next ping means the client is gone. */
  alive = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: SessionOptions,
  ) {
    this.queue = new SendQueue(options.maxQueuedFrames);
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? null : rawText(data)));
    ws.on('pong', () => (this.alive = true));
    ws.on('close', () => this.dispose());
    ws.on('error', () => this.dispose());
  }

  get queued(): number {
    return this.queue.length;
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /** Ends the session from the server side (shutdown), with a close frame. */
  close(code: number, reason: string): void {
    this.dispose();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), this.options.closeGraceMs).unref();
  }

  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  terminate(): void {
    this.dispose();
    this.ws.terminate();
  }

  private onMessage(text: string | null): void {
    try {
      if (text === null) throw new FrameError('BAD_FRAME', 'binary frames are not accepted: send JSON text');
      this.handle(parseClientFrame(text));
    } catch (error) {
      if (error instanceof FrameError)
        this.send({ text: errorFrame(error.code, this.options.scrub(error.message), error.id) });
      else this.send({ text: errorFrame('SUBSCRIPTION_FAILED', this.options.scrub(String(error))) });
    }
  }

  private handle(frame: ClientFrame): void {
    if (frame.op === 'unsubscribe') {
      const active = this.subs.get(frame.id);
      if (active === undefined) throw new FrameError('UNKNOWN_ID', `no subscription ${frame.id}`, frame.id);
      this.stop(frame.id, active);
      this.send({ text: JSON.stringify({ type: 'unsubscribed', id: frame.id }) });
      return;
    }
    if (this.subs.has(frame.id))
      throw new FrameError('DUPLICATE_ID', `subscription ${frame.id} exists already`, frame.id);
    if (this.subs.size >= this.options.maxSubscriptions) {
      this.options.metrics.subscriptionsRefused.inc({ reason: 'per_connection' });
      throw new FrameError(
        'TOO_MANY_SUBSCRIPTIONS',
        `at most ${this.options.maxSubscriptions} subscriptions per connection`,
        frame.id,
      );
    }
    if (frame.channel === 'bars') this.subscribeBars(frame);
    else this.subscribeTicks(frame);
  }

  private observe<T>(
    frame: BarsSubscribeFrame | TicksSubscribeFrame,
    make: () => Observable<T>,
    /** Undefined: nothing to send for this value. */
    toFrame: (value: T) => QueuedFrame | undefined,
  ): void {
    let source: Observable<T>;
    try {
      source = make();
    } catch (error) {
      throw new FrameError('INVALID_ARGUMENT', (error as Error).message, frame.id);
    }
    // Subscribed first, acknowledged after: a subscription refused at once (no stream reader left under the
    // Redis cap) gets its error frame alone. What it delivers before the acknowledgement waits for it.
    let early: T[] | undefined = [];
    let refused: unknown;
    const deliver = (value: T) => {
      const out = toFrame(value);
      if (out !== undefined) this.send(out);
    };
    const subscription = source.subscribe({
      next: (value) => (early ? early.push(value) : deliver(value)),
      error: (error: unknown) => {
        if (early) return void (refused = error);
        this.forget(frame.id);
        this.send({ text: errorFrame('SUBSCRIPTION_FAILED', this.failure(error), frame.id) });
      },
      complete: () => this.forget(frame.id),
    });
    const pending = early;
    early = undefined;
    if (refused !== undefined) throw this.refusal(refused, frame.id);
    this.send({ text: JSON.stringify({ type: 'subscribed', id: frame.id, channel: frame.channel }) });
    pending.forEach(deliver);
    if (subscription.closed) return;
    // The acknowledgement overflowed the queue and closed the session: nothing would ever end this
    // subscription (and a shared feed would keep running for it).
    if (this.closed) return subscription.unsubscribe();
    this.subs.set(frame.id, { channel: frame.channel, subscription });
    this.options.metrics.subscriptions.inc({ channel: frame.channel });
  }

  private failure(error: unknown): string {
    return this.options.scrub((error as Error).message ?? String(error));
  }

  /** The error frame of a subscription that failed as it started. */
  private refusal(error: unknown, id: string): FrameError {
    if (error instanceof ClientError && error.code === 'TOO_MANY_READERS') {
      this.options.metrics.subscriptionsRefused.inc({ reason: 'redis_connections' });
      return new FrameError(
        'UNAVAILABLE',
        `every Redis connection of the gateway is in use (gateway.maxRedisConnections ${this.options.maxRedisConnections}): ` +
          'a stream no one reads yet cannot be opened now; try again later',
        id,
      );
    }
    return new FrameError('SUBSCRIPTION_FAILED', this.failure(error), id);
  }

  /**
   * With `from`: a reader of its own (history, then the stream from the seam). Without: the shared live reader
   * of the instrument and timeframe, partials filtered here, and a revision of a bar delivered before this
   * subscription joined sent as a plain `bar` (it is this client's first sight of it).
   */
  private subscribeBars(frame: BarsSubscribeFrame): void {
    const { client, feeds } = this.options;
    const idJson = JSON.stringify(frame.id);
    if (frame.from !== undefined) {
      const options = { from: frame.from, partial: frame.partial, source: frame.source };
      this.observe(
        frame,
        () =>
          client.bars(frame.instrument, frame.timeframe, options).pipe(map((e) => new SharedBar(e, 0, 0))),
        (shared) => barFrame(idJson, frame.id, shared.event.kind, shared),
      );
      return;
    }
    let joined = 0;
    this.observe(
      frame,
      () => {
        // Throws for a bad instrument or timeframe, before anything is acknowledged.
        const feed = feeds.barFeed(frame.instrument, frame.timeframe);
        joined = feed.seq();
        return feed.events;
      },
      (shared) => {
        const { kind } = shared.event;
        if (kind === 'partial' && frame.partial !== true) return undefined;
        const late = kind === 'revision' && (shared.firstSeq === undefined || shared.firstSeq <= joined);
        return barFrame(idJson, frame.id, late ? 'bar' : kind, shared);
      },
    );
  }

  private subscribeTicks(frame: TicksSubscribeFrame): void {
    const idJson = JSON.stringify(frame.id);
    this.observe(
      frame,
      () => this.options.feeds.tickFeed(frame.instrument),
      (tick: SharedTick) => ({ text: `{"type":"tick","id":${idJson},"trade":${tick.body}}` }),
    );
  }

  private send(frame: QueuedFrame): void {
    if (this.closed) return;
    const result = this.queue.push(frame);
    if (result === 'overflow') return this.slowConsumer();
    if (result === 'dropped' || result === 'replaced') this.options.metrics.partialsDropped.inc();
    this.flush();
  }

  private flush(): void {
    const { ws } = this;
    // Frames sent in one turn go out in one socket write: ws writes each frame on its own otherwise, and the
    // syscalls dominated fan-out. ws has no public cork; its socket is the documented duplex underneath.
    const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    try {
      while (
        !this.closed &&
        ws.readyState === WebSocket.OPEN &&
        ws.bufferedAmount < this.options.highWaterBytes
      ) {
        const frame = this.queue.shift();
        if (frame === undefined) return;
        // Each write's callback flushes again, so frames held back at the high-water mark follow as it drains.
        // A Buffer is the frame's UTF-8 text, shared by every client it goes to: sent as a text frame as is.
        ws.send(frame.text, { binary: false }, () => this.flush());
        this.options.metrics.framesSent.inc({ type: frame.partialKey === undefined ? 'final' : 'partial' });
      }
    } finally {
      if (socket) process.nextTick(() => socket.uncork());
    }
  }

  /** A final frame found the queue full: stop everything, drop the queue and tell the client why. */
  private slowConsumer(): void {
    const limit = this.options.maxQueuedFrames;
    this.options.metrics.slowConsumerCloses.inc();
    this.close(
      SLOW_CONSUMER_CLOSE,
      `slow consumer: over ${limit} frames queued; reconnect and resubscribe with from`,
    );
  }

  private stop(id: string, active: Active): void {
    this.subs.delete(id);
    active.subscription.unsubscribe();
    this.options.metrics.subscriptions.dec({ channel: active.channel });
  }

  private forget(id: string): void {
    const active = this.subs.get(id);
    if (active === undefined) return;
    this.subs.delete(id);
    this.options.metrics.subscriptions.dec({ channel: active.channel });
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, active] of [...this.subs]) this.stop(id, active);
    this.queue.clear();
  }
}
