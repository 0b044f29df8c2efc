import WebSocket from 'ws';
import { BackoffSchedule, type BackoffOptions } from './backoff';
import { SilenceWatchdog, type StaleVerdict, type WatchdogOptions } from './silenceWatchdog';

export interface WsCloseInfo {
  at: number;
  /** `stale`: our watchdog cut a silent link; `reconnect`: anything else. */
  cause: 'reconnect' | 'stale';
  reason: string;
  code?: number;
  /** True when we closed on purpose (stop). */
  planned: boolean;
  /** Set when another attempt is scheduled. */
  retryInMs?: number;
  /** Whether this attempt ever opened. */
  wasOpen: boolean;
}

export interface WsConnectionHandlers {
  open(at: number, url: string): void;
  /** Every text frame, with our receive time. */
  message(text: string, recvTs: number): void;
  close(info: WsCloseInfo): void;
}

export interface WsConnectionOptions {
  /** Shown in events and logs, e.g. `binance#1`. */
  name: string;
  /** Called before each attempt, so a reconnect uses the current subscriptions. */
  url: () => string;
  backoff: BackoffOptions;
  watchdog: WatchdogOptions;
  /** Least spacing between our control messages, ms (venues cap incoming messages per second). */
  controlIntervalMs: number;
  /** Handshake timeout, ms. */
  connectTimeoutMs: number;
  /**
   * Send a protocol ping this often, ms; pongs count as liveness (for venues that do not ping, so a
   * quiet but healthy link is not taken for dead). Absent or 0: we only answer the venue's pings.
   */
  clientPingMs?: number;
  now: () => number;
  random: () => number;
}

/**
 * One logical WebSocket connection that keeps itself up: connects, reconnects with full-jitter
 * backoff, lets `ws` answer protocol pings (its `autoPong`, on by default, echoes the payload as
 * RFC 6455 and Binance require), and cuts the socket when the watchdog finds it silent although it
 * looks open. Control messages go out no faster than one per `controlIntervalMs`.
 */
export class WsConnection {
  private socket: WebSocket | undefined;
  private readonly backoff: BackoffSchedule;
  private readonly watchdog: SilenceWatchdog;
  private stopped = false;
  private opened = false;
  private stale: StaleVerdict | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private sendTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private compose: (() => string | undefined) | undefined;
  private nextSendAt = 0;
  private closed: Promise<void> | undefined;
  private holdOffMs = 0;
  private cutReason: string | undefined;

  constructor(
    private readonly options: WsConnectionOptions,
    private readonly handlers: WsConnectionHandlers,
  ) {
    this.backoff = new BackoffSchedule(options.backoff, options.random);
    this.watchdog = new SilenceWatchdog(options.watchdog, options.now());
  }

  get name(): string {
    return this.options.name;
  }

  get isOpen(): boolean {
    return this.opened && this.socket?.readyState === WebSocket.OPEN;
  }

  /** The watchdog's current data-silence threshold, ms (for metrics and tests). */
  get silenceThresholdMs(): number {
    return this.watchdog.thresholdMs;
  }

  start(): void {
    if (!this.stopped && this.socket === undefined && this.retryTimer === undefined) this.connect();
  }

  /**
   * Asks for one control message at the next free slot. `compose` runs then and returns the text,
   * or nothing when there is nothing left to say; it is asked again after each send, so changes
   * queued meanwhile coalesce into one message instead of a burst.
   */
  requestSend(compose: () => string | undefined): void {
    this.compose = compose;
    if (this.sendTimer !== undefined || !this.isOpen) return;
    const wait = Math.max(0, this.nextSendAt - this.options.now());
    this.sendTimer = setTimeout(() => this.flushSend(), wait);
  }

  /**
   * The next attempt waits at least `ms` (once): venues that refuse us for a reason a quick retry
   * cannot fix (bad keys, a connection limit) must not be hammered.
   */
  holdOff(ms: number): void {
    this.holdOffMs = Math.max(this.holdOffMs, ms);
  }

  /** Cuts the current socket now; the close is reported with `reason` and a retry is scheduled. */
  cut(reason: string): void {
    if (this.socket === undefined) return;
    this.cutReason = reason;
    this.socket.terminate();
  }

  /** Closes for good; idempotent; resolves when the socket is closed. */
  stop(): Promise<void> {
    if (this.closed) return this.closed;
    this.stopped = true;
    this.clearTimers();
    const socket = this.socket;
    this.closed =
      socket === undefined || socket.readyState === WebSocket.CLOSED
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
            else socket.close(1000, 'stop');
            setTimeout(() => socket.terminate(), 1000).unref();
          });
    return this.closed;
  }

  private connect(): void {
    this.retryTimer = undefined;
    const url = this.options.url();
    const socket = new WebSocket(url, { handshakeTimeout: this.options.connectTimeoutMs });
    this.socket = socket;
    this.opened = false;
    this.stale = undefined;
    this.cutReason = undefined;
    let lastError: Error | undefined;
    socket.on('open', () => this.onOpen(url));
    socket.on('message', (data: WebSocket.RawData) => this.onMessage(data));
    socket.on('ping', () => this.watchdog.heartbeat(this.options.now()));
    socket.on('pong', () => this.watchdog.heartbeat(this.options.now()));
    socket.on('error', (error) => (lastError = error));
    socket.on('close', (code, reason) => this.onClose(socket, code, reason.toString() || lastError?.message));
  }

  private onOpen(url: string): void {
    const now = this.options.now();
    this.opened = true;
    this.backoff.connected(now);
    this.watchdog.connected(now);
    this.nextSendAt = 0;
    this.watchTimer = setInterval(() => this.checkSilence(), this.options.watchdog.checkIntervalMs);
    const pingMs = this.options.clientPingMs ?? 0;
    if (pingMs > 0) this.pingTimer = setInterval(() => this.socket?.ping(), pingMs);
    this.handlers.open(now, url);
  }

  private onMessage(data: WebSocket.RawData): void {
    const now = this.options.now();
    this.watchdog.data(now);
    const text = Buffer.isBuffer(data)
      ? data.toString()
      : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString();
    this.handlers.message(text, now);
  }

  private checkSilence(): void {
    const verdict = this.watchdog.check(this.options.now());
    if (verdict === undefined) return;
    this.stale = verdict;
    this.socket?.terminate();
  }

  private onClose(socket: WebSocket, code: number, detail: string | undefined): void {
    if (socket !== this.socket) return;
    const at = this.options.now();
    const wasOpen = this.opened;
    this.opened = false;
    this.socket = undefined;
    this.clearTimers();
    const stale = this.stale;
    const reason = stale
      ? `no ${stale.kind === 'link' ? 'frame' : 'data'} for ${stale.silentMs} ms (threshold ${Math.round(stale.thresholdMs)} ms)`
      : (this.cutReason ?? `closed with code ${code}${detail ? `: ${detail}` : ''}`);
    const info: WsCloseInfo = {
      at,
      cause: stale ? 'stale' : 'reconnect',
      reason,
      code,
      planned: this.stopped,
      wasOpen,
    };
    if (!this.stopped) {
      info.retryInMs = Math.max(this.backoff.nextDelay(at), this.holdOffMs);
      this.holdOffMs = 0;
      this.retryTimer = setTimeout(() => this.connect(), info.retryInMs);
    }
    this.handlers.close(info);
  }

  private flushSend(): void {
    this.sendTimer = undefined;
    const socket = this.socket;
    if (!this.isOpen || socket === undefined || this.compose === undefined) return;
    const text = this.compose();
    if (text === undefined) return;
    socket.send(text);
    this.nextSendAt = this.options.now() + this.options.controlIntervalMs;
    this.requestSend(this.compose);
  }

  private clearTimers(): void {
    for (const timer of [this.retryTimer, this.watchTimer, this.sendTimer, this.pingTimer]) {
      if (timer !== undefined) clearTimeout(timer);
    }
    this.retryTimer = this.watchTimer = this.sendTimer = this.pingTimer = undefined;
  }
}
