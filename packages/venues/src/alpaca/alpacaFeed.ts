import { FeedBase, emptyFeedStats } from '../feed/feedBase';
import type { FeedStats, GapCause } from '../feed/feedEvents';
import { WsConnection, type WsCloseInfo } from '../feed/wsConnection';
import { VenueError } from '../venueError';
import { ALPACA_ERRORS, alpacaErrorPolicy } from './alpacaErrors';
import {
  ALPACA_FEED_PATHS,
  isAlpacaSymbol,
  resolveAlpacaFeedOptions,
  type AlpacaFeedOptions,
  type ResolvedAlpacaFeedOptions,
} from './alpacaFeedOptions';
import { mapAlpacaFrame, type AlpacaMessage } from './alpacaMapper';
import type { AlpacaSubscriptions } from './alpacaMessages';

type Request = { action: 'subscribe' | 'unsubscribe'; symbols: string[] };
export type AlpacaFeedStats = FeedStats & { venueBars: number; authFailures: number };

/**
 * The Alpaca market-data live feed (stocks iex/sip, or crypto): one connection, the
 * `connected` → auth → `authenticated` → subscribe handshake, trades, quotes and the venue's minute
 * bars, every documented error code handled on purpose (see `alpacaErrors.ts`), and a time gap
 * reported for every outage. Alpaca numbers trades but not consecutively, so gaps are by time only.
 */
export class AlpacaFeed extends FeedBase<AlpacaFeedStats> {
  readonly venue = 'alpaca' as const;
  private readonly options: ResolvedAlpacaFeedOptions;
  private readonly connection: WsConnection;
  private desired: Set<string>;
  /** Symbols asked for on the current socket (subscribe sent, no unsubscribe since). */
  private readonly sent = new Set<string>();
  /** Symbols the venue refused for the symbol limit; not asked again until setSymbols changes them. */
  private readonly refused = new Set<string>();
  private readonly inFlight: Request[] = [];
  private confirmed: AlpacaSubscriptions = {};
  /** Wanted symbols plus those the venue still lists (frames of a symbol being unsubscribed stay valid). */
  private known = new Set<string>();
  private phase: 'closed' | 'open' | 'authenticated' = 'closed';
  private authSent = false;
  private lastDataAt: number | undefined;
  private down: { since: number; cause: GapCause } | undefined;

  constructor(options: AlpacaFeedOptions) {
    const resolved = resolveAlpacaFeedOptions(options);
    super({ ...emptyFeedStats(), venueBars: 0, authFailures: 0 }, resolved.onError);
    this.options = resolved;
    this.desired = new Set(this.options.symbols);
    this.updateKnown();
    const o = this.options;
    this.connection = new WsConnection(
      {
        name: `alpaca:${o.feed}`,
        url: () => `${o.wsUrl}${ALPACA_FEED_PATHS[o.feed]}`,
        backoff: o.backoff,
        watchdog: o.watchdog,
        controlIntervalMs: o.controlIntervalMs,
        connectTimeoutMs: o.connectTimeoutMs,
        clientPingMs: o.pingIntervalMs,
        now: o.now,
        random: o.random,
      },
      {
        open: (at, url) => this.onOpen(at, url),
        message: (text, recvTs) => this.onFrame(text, recvTs),
        close: (info) => this.onClose(info),
      },
    );
  }

  setSymbols(symbols: readonly string[]): void {
    const bad = symbols.filter((s) => !isAlpacaSymbol(s));
    if (bad.length > 0) throw new VenueError('INVALID_OPTIONS', `not Alpaca symbols: ${bad.join(', ')}`);
    this.desired = new Set(symbols);
    this.updateKnown();
    for (const s of [...this.refused]) if (!this.desired.has(s)) this.refused.delete(s);
    if (this.phase === 'authenticated') this.connection.requestSend(() => this.composeSubscription());
  }

  protected open(): void {
    this.connection.start();
  }

  protected close(): Promise<void> {
    return this.connection.stop();
  }

  /** The venue's last subscription reply (for tests and status pages). */
  get subscriptions(): AlpacaSubscriptions {
    return structuredClone(this.confirmed);
  }

  private get name(): string {
    return this.connection.name;
  }

  private onOpen(at: number, url: string): void {
    this.phase = 'open';
    this.authSent = false;
    this.sent.clear();
    this.inFlight.length = 0;
    this.reportOpen(this.name, at, url, this.desired.size);
  }

  private onFrame(text: string, recvTs: number): void {
    this.counters.frames += 1;
    for (const message of mapAlpacaFrame(text, recvTs, { isKnownSymbol: this.isKnown }))
      this.onMessage(message, recvTs);
  }

  private onMessage(message: AlpacaMessage, recvTs: number): void {
    switch (message.kind) {
      case 'trade':
        this.lastDataAt = recvTs;
        this.counters.trades += 1;
        return this.emit({ type: 'trade', trade: message.trade });
      case 'amendment':
        this.lastDataAt = recvTs;
        this.counters.amendments += 1;
        return this.emit({ type: 'amendment', amendment: message.amendment });
      case 'quote':
        this.lastDataAt = recvTs;
        this.counters.quotes += 1;
        return this.emit({ type: 'quote', quote: message.quote });
      case 'venueBar':
        this.lastDataAt = recvTs;
        this.counters.venueBars += 1;
        return this.emit({ type: 'venueBar', bar: message.bar });
      case 'success':
        return this.onSuccess(message.msg);
      case 'subscription':
        this.inFlight.shift();
        this.confirmed = message.subscriptions;
        this.updateKnown();
        return this.endOutage(recvTs);
      case 'error':
        return this.onVenueError(message.code, message.msg, recvTs);
      case 'reject':
        this.counters.rejects += 1;
        return this.emit({
          type: 'reject',
          reject: {
            venue: 'alpaca',
            raw: message.raw,
            reason: message.reason,
            recvTs,
            connection: this.name,
          },
        });
    }
  }

  private onSuccess(msg: string): void {
    if (msg === 'connected' && this.phase === 'open') {
      const { keyId, secretKey } = this.options;
      this.connection.requestSend(() => {
        if (this.authSent) return undefined;
        this.authSent = true;
        return JSON.stringify({ action: 'auth', key: keyId, secret: secretKey });
      });
    } else if (msg === 'authenticated') {
      this.phase = 'authenticated';
      this.counters.authFailures = 0;
      this.connection.requestSend(() => this.composeSubscription());
    }
  }

  private readonly isKnown = (symbol: string): boolean => this.known.has(symbol);

  private updateKnown(): void {
    this.known = new Set([...this.desired, ...Object.values(this.confirmed).flat()]);
  }

  /** The next subscribe or unsubscribe that brings the venue to `desired`; one per send slot. */
  private composeSubscription(): string | undefined {
    const add = [...this.desired].filter((s) => !this.sent.has(s) && !this.refused.has(s));
    const remove = [...this.sent].filter((s) => !this.desired.has(s));
    const [action, symbols] = add.length > 0 ? ['subscribe', add] : ['unsubscribe', remove];
    if (symbols.length === 0) return undefined;
    for (const s of symbols) {
      if (action === 'subscribe') this.sent.add(s);
      else this.sent.delete(s);
    }
    this.inFlight.push({ action: action as Request['action'], symbols });
    const { trades, quotes, bars } = this.options;
    return JSON.stringify({
      action,
      ...(trades ? { trades: symbols } : {}),
      ...(quotes ? { quotes: symbols } : {}),
      ...(bars ? { bars: symbols } : {}),
    });
  }

  private onVenueError(code: number, msg: string, at: number): void {
    const policy = alpacaErrorPolicy(code);
    const known = ALPACA_ERRORS.has(code) ? '' : ' (undocumented code)';
    const report = (message: string, symbols?: string[]) =>
      this.emit({
        type: 'venueError',
        venue: 'alpaca',
        connection: this.name,
        at,
        code,
        message,
        ...(symbols ? { symbols } : {}),
      });
    switch (policy) {
      case 'auth': {
        this.counters.authFailures += 1;
        const waitS = Math.round(this.options.authRetryMs / 1000);
        report(
          `Alpaca refused authentication: ${code} ${msg} (attempt ${this.counters.authFailures}; check ` +
            `APCA_API_KEY_ID / APCA_API_SECRET_KEY and that the plan covers the '${this.options.feed}' feed); ` +
            `next attempt in at least ${waitS} s`,
        );
        this.connection.holdOff(this.options.authRetryMs);
        return this.connection.cut(`${code} ${msg}`);
      }
      case 'connectionLimit': {
        const waitS = Math.round(this.options.connectionLimitRetryMs / 1000);
        report(
          `Alpaca: ${code} ${msg}: another connection uses these keys on this endpoint; retrying in at least ${waitS} s`,
        );
        this.connection.holdOff(this.options.connectionLimitRetryMs);
        return this.connection.cut(`${code} ${msg}`);
      }
      case 'symbolLimit': {
        const request = this.inFlight.shift();
        const refused = request?.action === 'subscribe' ? request.symbols : [];
        for (const s of refused) {
          this.refused.add(s);
          this.sent.delete(s);
        }
        return report(
          `Alpaca: ${code} ${msg}: refused ${refused.join(', ') || '(unknown symbols)'}; subscriptions unchanged`,
          refused,
        );
      }
      case 'request': {
        const request = code === 403 ? undefined : this.inFlight.shift();
        const about = request ? ` (${request.action} ${request.symbols.join(',')})` : '';
        return report(`Alpaca: ${code} ${msg}${about}${known}`);
      }
      case 'reconnect':
        report(`Alpaca: ${code} ${msg}${known}; reconnecting`);
        return this.connection.cut(`${code} ${msg}`);
    }
  }

  private onClose(info: WsCloseInfo): void {
    this.phase = 'closed';
    const unexpected = !info.planned;
    this.reportClose(this.name, info, unexpected, info.retryInMs);
    if (!unexpected || !info.wasOpen || !this.running || this.down !== undefined) return;
    this.down = { since: Math.min(this.lastDataAt ?? info.at, info.at), cause: info.cause };
  }

  /** The first subscription reply after an outage closes it: data flows again from here. */
  private endOutage(at: number): void {
    const down = this.down;
    if (down === undefined) return;
    this.down = undefined;
    this.counters.gaps += 1;
    this.emit({
      type: 'gap',
      gap: {
        venue: 'alpaca',
        symbols: [...this.desired].sort(),
        cause: down.cause,
        fromTs: down.since,
        toTs: at,
        connection: this.name,
      },
    });
  }
}
