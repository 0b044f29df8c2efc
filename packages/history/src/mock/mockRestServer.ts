import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A reply a mock route gives. */
export interface MockReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export type MockRoute = (url: URL, req: IncomingMessage) => MockReply;

/** What a mock did, for tests and benchmarks to assert on. */
export interface MockStats {
  requests: number;
  /** Replies by HTTP status. */
  byStatus: Record<number, number>;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): MockReply => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

/**
 * The HTTP side every history mock shares: routes by path prefix, counts replies, can be told to fail
 * the next requests with a status (5xx, or a hang past the client's timeout), and closes cleanly.
 */
export class MockRestServer {
  readonly stats: MockStats = { requests: 0, byStatus: {} };
  private readonly server: Server;
  private failures: { status: number; left: number } | undefined;

  protected constructor(private readonly routes: Record<string, MockRoute>) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** Listens on 127.0.0.1:`port` (0: any free port). */
  protected async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  /** The origin to give a provider (`TICKLINE_<VENUE>_REST_URL`). */
  get url(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** The next `count` requests get `status` with an empty JSON error (e.g. 500 for failover tests). */
  failNext(count: number, status = 500): void {
    this.failures = { status, left: count };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    const url = new URL(req.url ?? '/', 'http://mock');
    let reply: MockReply;
    if (this.failures && this.failures.left > 0) {
      this.failures.left--;
      reply = json(this.failures.status, { message: 'mock failure' });
    } else {
      const route = Object.entries(this.routes).find(([prefix]) => url.pathname.startsWith(prefix))?.[1];
      reply = route ? route(url, req) : json(404, { message: `no route ${url.pathname}` });
    }
    this.stats.byStatus[reply.status] = (this.stats.byStatus[reply.status] ?? 0) + 1;
    res.writeHead(reply.status, reply.headers).end(reply.body);
  }
}

/** Requests per fixed window (aligned to multiples of `windowMs`, as venues count). */
export class FixedWindowCounter {
  private window = -1;
  used = 0;
  /** The most ever used within one window. */
  peak = 0;

  constructor(readonly windowMs: number) {}

  /** Adds `weight` at `now`; returns the total in the current window. */
  add(now: number, weight: number): number {
    this.roll(now);
    this.used += weight;
    this.peak = Math.max(this.peak, this.used);
    return this.used;
  }

  current(now: number): number {
    this.roll(now);
    return this.used;
  }

  /** When the current window ends (epoch ms). */
  resetAt(now: number): number {
    return (Math.floor(now / this.windowMs) + 1) * this.windowMs;
  }

  private roll(now: number): void {
    const window = Math.floor(now / this.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
  }
}

/**
 * Weight in the last `windowMs` at every instant (a sliding window: `(now - windowMs, now]`), for a
 * mock of a venue that counts that way. Same interface as {@link FixedWindowCounter}.
 */
export class SlidingWindowCounter {
  private readonly log: { at: number; weight: number }[] = [];
  private sum = 0;
  /** The most ever used within one window. */
  peak = 0;

  constructor(readonly windowMs: number) {}

  add(now: number, weight: number): number {
    this.expire(now);
    this.log.push({ at: now, weight });
    this.sum += weight;
    this.peak = Math.max(this.peak, this.sum);
    return this.sum;
  }

  current(now: number): number {
    this.expire(now);
    return this.sum;
  }

  /** When the oldest weight in the window leaves it (epoch ms). */
  resetAt(now: number): number {
    this.expire(now);
    return (this.log[0]?.at ?? now) + this.windowMs;
  }

  private expire(now: number): void {
    while (this.log.length > 0 && this.log[0]!.at <= now - this.windowMs)
      this.sum -= this.log.shift()!.weight;
  }
}
