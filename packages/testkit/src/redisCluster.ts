import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './freePort';
import { waitFor } from './waitFor';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Master nodes (no replicas). Default 3, the least `redis-cli --cluster create` accepts. */
  readonly masters?: number;
}

/**
 * A Redis Cluster owned by one test: `masters` redis-server processes with `--cluster-enabled yes` on spare
 * loopback ports, each in its own directory under one temp dir, joined by `redis-cli --cluster create`
 * (no replicas, no persistence). `start` resolves once every node reports `cluster_state:ok`; `destroy`
 * kills the processes and removes the temp dir.
 */
export class RedisCluster {
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly ports: readonly number[],
    readonly dir: string,
  ) {}

  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masters = options.masters ?? 3;
    const ports: number[] = [];
    while (ports.length < masters) {
      const port = await freePort();
      // The cluster bus listens on port + 10000: both must be usable and distinct from the others'.
      if (port <= 55535 && !ports.includes(port) && !ports.includes(port + 10000)) ports.push(port);
    }
    const cluster = new RedisCluster(ports, mkdtempSync(join(tmpdir(), 'tl-cluster-')));
    try {
      await cluster.launch();
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /** The seed nodes as `host:port`, the form of `redis.cluster` (REDIS_CLUSTER_NODES). */
  get nodes(): string[] {
    return this.ports.map((port) => `127.0.0.1:${port}`);
  }

  private async launch(): Promise<void> {
    for (const port of this.ports) {
      const dir = join(this.dir, String(port));
      mkdirSync(dir);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf');
      args.push('--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no');
      this.children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (const port of this.ports) {
      await waitFor(async () => (await this.cli(port, 'PING').catch(() => '')) === 'PONG', {
        timeoutMs: 10_000,
        what: `cluster node on port ${port}`,
      });
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...this.nodes, '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    );
    await waitFor(
      async () => {
        const infos = await Promise.all(this.ports.map((port) => this.cli(port, 'CLUSTER', 'INFO')));
        return infos.every((info) => info.includes('cluster_state:ok'));
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'cluster_state:ok on every node' },
    );
  }

  /** One redis-cli command against one node; its trimmed output. */
  async cli(port: number, ...command: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command], {
      timeout: 10_000,
    });
    return stdout.trim();
  }

  /** Kills every node (SIGKILL) and removes the temp dir. Idempotent. */
  async destroy(): Promise<void> {
    await Promise.all(
      this.children.splice(0).map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
