import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './freePort';
import { waitFor } from './waitFor';

export interface RedisServerOptions {
  /** Keep an append-only file so a restart keeps the data (default true: restarts must lose nothing). */
  readonly appendOnly?: boolean;
  readonly extraArgs?: readonly string[];
}

/**
 * A redis-server owned by one test, on a spare loopback port with its own temp dir, so the test may
 * stop, kill or restart it without touching the machine's shared Redis.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'tl-redis-')), options);
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async startProcess(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''];
    args.push('--appendonly', this.options.appendOnly === false ? 'no' : 'yes', '--appendfsync', 'always');
    args.push(...(this.options.extraArgs ?? []));
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    try {
      await waitFor(() => this.ping(), { timeoutMs: 10000, what: `redis-server on port ${this.port}` });
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
  }

  /** Stops the process (SIGKILL by default: a crash, not a shutdown) and waits until it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** Freezes the server: the socket stays open, nothing is answered. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Same port, same data directory. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.stop(signal);
    await this.startProcess();
  }

  async destroy(): Promise<void> {
    this.resume();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
