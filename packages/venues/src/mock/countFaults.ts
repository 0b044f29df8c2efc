import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** Fault switches every mock venue has, counted per connection in data frames. */
export interface CountFaults {
  /**
   * Each connection is dropped after it was sent this many data frames: the TCP stream ends without a
   * WebSocket close frame (the client sees 1006), after what was already sent (see dropConnection).
   */
  closeAfterMessages?: number;
  /** Each connection goes silent (no data, no pings, no replies) after this many data frames... */
  stallAfterMessages?: number;
  /** ...for this long, ms; frames meant for it meanwhile are lost. */
  stallMs?: number;
}

export interface CountedConnection {
  sent: number;
  open: boolean;
  stalledUntil: number;
  stallUsed: boolean;
  socket: WebSocket;
  /** The TCP socket under `socket`, to drop the link below the WebSocket protocol. */
  tcp: Duplex;
}

/**
 * A network drop as the client sees it: no close frame, the stream just ends. Frames already handed
 * to the socket still arrive first (ending, not destroying, flushes them), so a test knows exactly
 * which frames reached the client: those counted in `sent`.
 */
export function dropConnection(c: CountedConnection): void {
  c.open = false;
  c.tcp.end();
  // A peer that never closes its side must not keep the socket forever.
  setTimeout(() => c.tcp.destroy(), 5000).unref();
}

/** Applies close-after-N and stall-after-N to a connection that was just sent a data frame. */
export function applyCountFaults(c: CountedConnection, faults: CountFaults): void {
  const { closeAfterMessages, stallAfterMessages, stallMs } = faults;
  if (closeAfterMessages !== undefined && c.sent >= closeAfterMessages) {
    dropConnection(c);
  } else if (stallAfterMessages !== undefined && !c.stallUsed && c.sent >= stallAfterMessages) {
    c.stallUsed = true;
    c.stalledUntil = Date.now() + (stallMs ?? 0);
  }
}

export function isStalled(c: CountedConnection): boolean {
  return Date.now() < c.stalledUntil;
}

/** mulberry32: a tiny seeded PRNG, so fault runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
