import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** What a mock answers: JSON bodies are serialized, strings sent as plain text. */
export interface MockReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** One request as the mock saw it. */
export interface MockRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export type MockRoute = (request: MockRequest) => MockReply;

/**
 * A local REST server on a free port for one provider's mock: every request is recorded, so tests
 * can assert how many calls a cache hit or a lock saved.
 */
export class RestMock {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly requests: MockRequest[],
  ) {}

  /** `latencyMs` is read per request: how long to hold each reply (to make callers overlap). */
  static async start(
    route: MockRoute,
    host = '127.0.0.1',
    latencyMs: () => number = () => 0,
  ): Promise<RestMock> {
    const requests: MockRequest[] = [];
    const server = createServer((req, res) => {
      const parsed = new URL(req.url ?? '/', 'http://mock');
      const request = { path: parsed.pathname, query: parsed.searchParams, headers: req.headers };
      requests.push(request);
      const reply = route(request);
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      const type = typeof reply.body === 'string' ? 'text/plain' : 'application/json;charset=utf-8';
      const send = () => res.writeHead(reply.status, { 'content-type': type, ...reply.headers }).end(text);
      const delay = latencyMs();
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return new RestMock(server, `http://${host}:${port}`, requests);
  }

  /** Requests seen, optionally only those whose path starts with `prefix`. */
  count(prefix = '/'): number {
    return this.requests.filter((request) => request.path.startsWith(prefix)).length;
  }

  /** Idempotent; drops keep-alive connections so tests end promptly. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A provider's mock: subclasses answer requests; starting, counting and closing live here. */
export abstract class ProviderMock {
  private rest: RestMock | undefined;
  /** How long each reply is held, ms [0]. */
  latencyMs = 0;

  /**
   * While set, every request gets a 500 whose body echoes the request as some real providers' error pages
   * do: its URL, `apikey=` and all, and its parameter values (the key among them) on their own.
   */
  echoErrors = false;

  protected abstract answer(request: MockRequest): MockReply;

  /** Starts listening on a free port of `host`; returns this for chaining. */
  async listen(host = '127.0.0.1'): Promise<this> {
    this.rest = await RestMock.start(
      (request) => (this.echoErrors ? echoReply(request) : this.answer(request)),
      host,
      () => this.latencyMs,
    );
    return this;
  }

  private get started(): RestMock {
    if (!this.rest) throw new Error('mock not started: call listen() first');
    return this.rest;
  }

  get url(): string {
    return this.started.url;
  }

  get requests(): readonly MockRequest[] {
    return this.started.requests;
  }

  /** Requests seen, optionally only those whose path starts with `prefix`. */
  count(prefix = '/'): number {
    return this.started.count(prefix);
  }

  async close(): Promise<void> {
    await this.rest?.close();
  }
}

function echoReply(request: MockRequest): MockReply {
  const values = [...request.query.values()].join(', ');
  return {
    status: 500,
    body: `Internal Server Error while serving GET ${request.path}?${request.query.toString()} (parameters: ${values})`,
  };
}
