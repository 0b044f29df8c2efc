import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * `pass` forwards both ways; `latency` delays every chunk by `ms`, order kept; `stall` holds bytes both ways
 * (released in order on the next mode change); `halfStall` forwards requests and drops replies; `cut`
 * destroys every connection and refuses new ones until the mode changes.
 */
export type FaultMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'latency'; readonly ms: number }
  | { readonly kind: 'stall' }
  | { readonly kind: 'halfStall' }
  | { readonly kind: 'cut' };

export interface FaultProxyTarget {
  readonly host?: string;
  readonly port: number;
}

type Direction = 'request' | 'reply';

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Chunks held while stalled, per direction, in arrival order. */
  readonly held: Record<Direction, Buffer[]>;
}

/** A TCP proxy on a free loopback port in front of `target`, with switchable faults (RELIABILITY.md). */
export class FaultProxy {
  private mode: FaultMode = { kind: 'pass' };
  private readonly links = new Set<Link>();
  /** Bytes forwarded to the target and back, for tests that wait for traffic. */
  readonly bytes: Record<Direction, number> = { request: 0, reply: 0 };
  /** Connections accepted since the start. */
  connections = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: Required<FaultProxyTarget>,
  ) {}

  static async start(target: FaultProxyTarget): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const proxy = new FaultProxy(server, port, { host: target.host ?? '127.0.0.1', port: target.port });
    server.on('connection', (socket) => proxy.onConnection(socket));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get currentMode(): FaultMode {
    return this.mode;
  }

  setMode(mode: FaultMode): void {
    this.mode = mode;
    if (mode.kind === 'cut') {
      for (const link of this.links) this.destroy(link);
      return;
    }
    if (mode.kind === 'stall') return;
    for (const link of this.links) this.release(link);
  }

  pass(): void {
    this.setMode({ kind: 'pass' });
  }
  latency(ms: number): void {
    this.setMode({ kind: 'latency', ms });
  }
  stall(): void {
    this.setMode({ kind: 'stall' });
  }
  halfStall(): void {
    this.setMode({ kind: 'halfStall' });
  }
  cut(): void {
    this.setMode({ kind: 'cut' });
  }

  async close(): Promise<void> {
    for (const link of this.links) this.destroy(link);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(client: Socket): void {
    if (this.mode.kind === 'cut') {
      client.destroy();
      return;
    }
    this.connections++;
    const upstream = connect(this.target.port, this.target.host);
    const link: Link = { client, upstream, held: { request: [], reply: [] } };
    this.links.add(link);
    client.on('data', (chunk) => this.forward(link, 'request', chunk));
    upstream.on('data', (chunk) => this.forward(link, 'reply', chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.destroy(link));
      socket.on('close', () => this.destroy(link));
    }
  }

  private forward(link: Link, direction: Direction, chunk: Buffer): void {
    const mode = this.mode;
    switch (mode.kind) {
      case 'pass':
        return this.write(link, direction, chunk);
      case 'latency':
        setTimeout(() => this.write(link, direction, chunk), mode.ms);
        return;
      case 'stall':
        link.held[direction].push(chunk);
        return;
      case 'halfStall':
        if (direction === 'request') this.write(link, direction, chunk);
        return;
      case 'cut':
        this.destroy(link);
        return;
    }
  }

  private release(link: Link): void {
    for (const direction of ['request', 'reply'] as const) {
      const held = link.held[direction].splice(0);
      for (const chunk of held) this.forward(link, direction, chunk);
    }
  }

  private write(link: Link, direction: Direction, chunk: Buffer): void {
    const to = direction === 'request' ? link.upstream : link.client;
    if (to.destroyed) return;
    this.bytes[direction] += chunk.length;
    to.write(chunk);
  }

  private destroy(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream.destroy();
  }
}
