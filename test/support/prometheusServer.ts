import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '@tickline/testkit';
import { stringify } from 'yaml';

/** Prometheus from Debian's package (`bash scripts/services.sh up tools` installs it). */
export const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
}

/** A Prometheus server a test started, on a free port, with its data in the test's directory. */
export interface PrometheusServer {
  readonly url: string;
  /** The values of an instant query's result. */
  query(promql: string): Promise<number[]>;
  /** Pending and firing alerts (`/api/v1/alerts`). */
  alerts(): Promise<ActiveAlert[]>;
  stop(): void;
}

/** Writes `config` as `dir/prometheus.yml` (rule files are relative to it) and starts Prometheus on it. */
export async function startPrometheus(dir: string, config: object): Promise<PrometheusServer> {
  const file = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(file, stringify(config));
  const port = await freePort();
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(route: string): Promise<T | undefined> =>
    ((await (await fetch(`${url}${route}`)).json()) as { data?: T }).data;
  return {
    url,
    async query(promql) {
      const data = await api<{ result?: { value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(promql)}`,
      );
      return (data?.result ?? []).map((r) => Number(r.value[1]));
    },
    async alerts() {
      const data = await api<{ alerts: ActiveAlert[] }>('/api/v1/alerts');
      if (data === undefined) throw new Error('Prometheus answered no alerts');
      return data.alerts;
    },
    stop: () => void child.kill('SIGKILL'),
  };
}
