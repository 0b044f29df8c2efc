import type { ResolvedConnectionOptions } from '../feed/connectionOptions';
import { WsConnection, type WsConnectionHandlers } from '../feed/wsConnection';

/** What a raw stream reports: the venue's data frames as received, and human-readable status. */
export interface RawStreamHandlers {
  /** A frame carrying data (trades, quotes, bars, or something malformed), unchanged, with our receive time. */
  frame(text: string, recvTs: number): void;
  /** One line about the connection: opened, subscribed, closed, a venue error. */
  status(line: string): void;
  /** The venue refused us for good (e.g. wrong keys): the stream stopped itself. */
  fatal(error: Error): void;
}

/**
 * A venue connection that only speaks the handshake and hands over raw frames (`tickline record`):
 * no mapping, no de-duplication, the feeds' own reconnect and watchdog settings.
 */
export interface RawStream {
  start(): void;
  stop(): Promise<void>;
}

/** A WsConnection with a feed's resolved health settings. */
export function rawConnection(
  name: string,
  url: () => string,
  options: ResolvedConnectionOptions & { controlIntervalMs: number; pingIntervalMs?: number },
  handlers: WsConnectionHandlers,
): WsConnection {
  return new WsConnection(
    {
      name,
      url,
      backoff: options.backoff,
      watchdog: options.watchdog,
      controlIntervalMs: options.controlIntervalMs,
      connectTimeoutMs: options.connectTimeoutMs,
      ...(options.pingIntervalMs === undefined ? {} : { clientPingMs: options.pingIntervalMs }),
      now: options.now,
      random: options.random,
    },
    handlers,
  );
}

/** The close line every raw stream prints. */
export function closeLine(reason: string, retryInMs: number | undefined): string {
  return `disconnected: ${reason}${retryInMs === undefined ? '' : `; retrying in ${retryInMs} ms`}`;
}
