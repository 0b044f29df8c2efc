import * as fs from 'node:fs';
import * as path from 'node:path';
import { serviceRegistry } from '@tickline/cli';
import { parse } from 'yaml';
import { declaredMetricNames } from './metrics/catalogue';

// docker-compose.yml cannot be started here (no Docker engine), so this test holds it, the Prometheus
// scrape config and the Grafana dashboard to the code they describe.

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface ComposeService {
  readonly command?: readonly string[];
  readonly image?: string;
  readonly environment?: Record<string, string>;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const prometheus = parse(read('infra/prometheus/prometheus.yml')) as {
  scrape_configs: { static_configs: { targets: string[] }[] }[];
};
const dashboard = JSON.parse(read('infra/grafana/dashboards/tickline.json')) as {
  panels: { title: string; targets: { expr: string }[] }[];
};

const tickline = Object.entries(compose.services).filter(([, s]) => s.image === 'tickline:local');
const runServices = tickline.filter(([, s]) => s.command?.[0] === 'run');

describe('docker-compose.yml', () => {
  it('runs Redis with the append-only file and noeviction, as BullMQ requires', () => {
    const command = compose.services['redis']?.command ?? [];
    expect(command.join(' ')).toMatch(/--appendonly yes/);
    expect(command.join(' ')).toMatch(/--maxmemory-policy noeviction/);
  });

  it('runs every registered service, and only registered ones', () => {
    const run = runServices.map(([, s]) => s.command?.[1]).sort();
    expect(run).toEqual(Object.keys(serviceRegistry).sort());
  });

  it('gives every Tickline container the environment names the config reads, and no secrets', () => {
    for (const [name, service] of tickline) {
      expect([name, Object.keys(service.environment ?? {}).sort()]).toEqual([
        name,
        expect.arrayContaining(['REDIS_URL', 'TICKLINE_METRICS_HOST', 'TICKLINE_METRICS_PORT']),
      ]);
      expect(Object.keys(service.environment ?? {}).filter((key) => /KEY|SECRET|TOKEN/.test(key))).toEqual(
        [],
      );
    }
  });

  it('is scraped by Prometheus on each service metrics port', () => {
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    const expected = runServices.map(([name, s]) => `${name}:${s.environment?.['TICKLINE_METRICS_PORT']}`);
    expect(targets.sort()).toEqual(expected.sort());
  });
});

describe('the Grafana dashboard', () => {
  it('queries only metrics the code defines', () => {
    const defined = declaredMetricNames(); // the metrics docs/metrics.md lists
    const used = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => [...t.expr.matchAll(/tickline_[a-z0-9_]+/g)].map((m) => m[0])),
    );
    expect(used.length).toBeGreaterThan(0);
    const unknown = used
      .map((name) => name.replace(/_(bucket|sum|count)$/, ''))
      .filter((name) => !defined.has(name));
    expect(unknown).toEqual([]);
  });
});
