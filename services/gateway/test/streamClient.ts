import { StreamPublisher, streamKeys } from '@tickline/bus';
import type { Bar } from '@tickline/core';
import { waitFor } from '@tickline/testkit';
import type Redis from 'ioredis';
import WebSocket from 'ws';

/** A frame the gateway sent, parsed. */
export interface ServerFrame {
  readonly type: string;
  readonly id?: string;
  readonly kind?: string;
  readonly origin?: string;
  readonly code?: string;
  readonly message?: string;
  readonly bar?: {
    start: string;
    close: number;
    revision: number;
    final: boolean;
    quality: { score: number };
  };
  readonly trade?: { id: string; price: number };
}

/** A real ws client of /v1/stream that records every frame and how the connection ended. */
export interface StreamClient {
  readonly ws: WebSocket;
  readonly frames: ServerFrame[];
  send(frame: unknown): void;
  /** Waits until `count` frames match. */
  waitFrames(
    match: (frame: ServerFrame) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<ServerFrame[]>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/v1/stream`;
}

/** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
export function openStream(
  httpUrl: string,
  options: WebSocket.ClientOptions & { token?: string; protocols?: string[] } = {},
): Promise<StreamClient> {
  const { token, protocols, ...rest } = options;
  const headers = { ...rest.headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
  const ws = new WebSocket(wsUrl(httpUrl), protocols ?? [], { ...rest, headers });
  const frames: ServerFrame[] = [];
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as ServerFrame));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body }),
        ),
      );
    });
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        closed,
        send: (frame) => ws.send(JSON.stringify(frame)),
        async waitFrames(match, count = 1, timeoutMs = 15_000) {
          await waitFor(() => frames.filter(match).length >= count, {
            timeoutMs,
            what: `${count} matching frames`,
          });
          return frames.filter(match);
        },
      }),
    );
  });
}

/** Publishes bars on their stream the way the aggregator does (batched entries). */
export async function publishBars(redis: Redis, prefix: string, bars: readonly Bar[]): Promise<void> {
  const publisher = new StreamPublisher(redis, {
    maxRecordsPerEntry: 50,
    lingerMs: 1,
    closeConnection: false,
  });
  const key = streamKeys(prefix).bars({ venue: 'binance', symbol: 'BTCUSDT' }, '1m');
  await publisher.publishMany(key, bars);
  await publisher.close();
}
