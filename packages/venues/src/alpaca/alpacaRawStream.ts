import { closeLine, rawConnection, type RawStream, type RawStreamHandlers } from '../recording/rawStream';
import { alpacaErrorPolicy } from './alpacaErrors';
import { ALPACA_FEED_PATHS, resolveAlpacaFeedOptions, type AlpacaFeedName } from './alpacaFeedOptions';
import { mapAlpacaFrame, type AlpacaMessage } from './alpacaMapper';

export interface AlpacaRawStreamOptions {
  /** Origin, e.g. `wss://stream.data.alpaca.markets` or a mock's. */
  wsUrl: string;
  /** [iex] */
  feed?: AlpacaFeedName;
  symbols: readonly string[];
  /** `APCA_API_KEY_ID` / `APCA_API_SECRET_KEY`. Never printed. */
  keyId: string;
  secretKey: string;
}

const CONTROL = new Set(['success', 'error', 'subscription']);

/** Whether a frame holds anything but control items (data of any type, or something unreadable). */
function carriesData(text: string): boolean {
  try {
    const items: unknown = JSON.parse(text);
    if (!Array.isArray(items)) return true;
    return items.some((item) => !CONTROL.has(String((item as { T?: unknown } | null)?.T)));
  } catch {
    return true;
  }
}

/**
 * Alpaca's trades, quotes and minute bars of some symbols as raw frames (`tickline record`): the
 * connected / auth / subscribe handshake, then every frame that carries data, unchanged. Control
 * frames (success, subscription, errors) are reported as status, not recorded; every other frame is,
 * whatever its item types (corrections and cancels too). Refused keys or
 * plan are fatal (a recorder has no use for slow retries); a connection limit waits as the feed does.
 */
export function alpacaRawStream(options: AlpacaRawStreamOptions, handlers: RawStreamHandlers): RawStream {
  const o = resolveAlpacaFeedOptions(options);
  let authSent = false;
  const connection = rawConnection('record#1', () => `${o.wsUrl}${ALPACA_FEED_PATHS[o.feed]}`, o, {
    open: (_at, url) => {
      authSent = false;
      handlers.status(`recording ${url}`);
    },
    message: (text, recvTs) => {
      if (carriesData(text)) handlers.frame(text, recvTs);
      else for (const m of mapAlpacaFrame(text, recvTs)) onControl(m);
    },
    close: (info) => handlers.status(closeLine(info.reason, info.retryInMs)),
  });
  const send = (message: object) => connection.requestSend(() => JSON.stringify(message));

  function onControl(m: AlpacaMessage): void {
    if (m.kind === 'success' && m.msg === 'connected' && !authSent) {
      authSent = true;
      send({ action: 'auth', key: o.keyId, secret: o.secretKey });
    } else if (m.kind === 'success' && m.msg === 'authenticated') {
      send({ action: 'subscribe', trades: o.symbols, quotes: o.symbols, bars: o.symbols });
    } else if (m.kind === 'subscription') {
      handlers.status(`subscribed ${JSON.stringify(m.subscriptions)}`);
    } else if (m.kind === 'error') onError(m.code, m.msg);
  }

  function onError(code: number, msg: string): void {
    const policy = alpacaErrorPolicy(code);
    if (policy === 'auth') {
      void connection.stop();
      handlers.fatal(
        new Error(
          `Alpaca refused the recorder: ${code} ${msg} (check APCA_API_KEY_ID / APCA_API_SECRET_KEY and that the plan covers the '${o.feed}' feed)`,
        ),
      );
      return;
    }
    handlers.status(`Alpaca error ${code} ${msg}`);
    if (policy === 'connectionLimit') connection.holdOff(o.connectionLimitRetryMs);
    if (policy === 'connectionLimit' || policy === 'reconnect') connection.cut(`${code} ${msg}`);
  }

  return { start: () => connection.start(), stop: () => connection.stop() };
}
