import * as fs from 'node:fs';
import * as path from 'node:path';
import { serviceRegistry } from '@tickline/cli';
import { parse } from 'yaml';
import { declaredMetricNames } from './metrics/catalogue';

// docker-compose.yml cannot be started here (no Docker engine), so this test holds it, the Prometheus
// scrape config, the alert rules, Alertmanager's config and the Grafana dashboard to the code and files
// they describe. The rules' own behaviour is test/alertRules.test.ts's (promtool).

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface ComposeService {
  readonly command?: readonly string[];
  readonly image?: string;
  readonly environment?: Record<string, string>;
  readonly volumes?: readonly string[];
  readonly ports?: readonly string[];
  readonly depends_on?: readonly string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const prometheus = parse(read('infra/prometheus/prometheus.yml')) as {
  scrape_configs: { static_configs: { targets: string[] }[] }[];
  rule_files?: string[];
  alerting?: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
};
const alertRules = parse(read('infra/prometheus/alerts.yml')) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};
interface Route {
  readonly receiver?: string;
  readonly routes?: readonly Route[];
}
const alertmanager = parse(read('infra/alertmanager/alertmanager.yml')) as {
  route: Route;
  receivers: { name: string; webhook_configs?: { url: string; send_resolved?: boolean }[] }[];
};

/** The host file a compose service mounts at `target`, relative to the repository. */
function mountedAt(service: string, target: string): string | undefined {
  const volume = compose.services[service]?.volumes?.find((v) => v.split(':')[1] === target);
  return volume === undefined ? undefined : path.normalize(volume.split(':')[0]!);
}
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

describe('alerting', () => {
  it('has Prometheus load alerts.yml, mounted beside its config in compose', () => {
    expect(prometheus.rule_files).toEqual(['alerts.yml']);
    expect(mountedAt('prometheus', '/etc/prometheus/prometheus.yml')).toBe('infra/prometheus/prometheus.yml');
    expect(mountedAt('prometheus', '/etc/prometheus/alerts.yml')).toBe('infra/prometheus/alerts.yml');
  });

  it('sends alerts to the compose Alertmanager, which mounts infra/alertmanager/alertmanager.yml', () => {
    const targets = prometheus.alerting?.alertmanagers.flatMap((a) =>
      a.static_configs.flatMap((s) => s.targets),
    );
    expect(targets).toEqual(['alertmanager:9093']);
    const service = compose.services['alertmanager'];
    expect(service?.image).toMatch(/^prom\/alertmanager(:|$)/);
    expect(mountedAt('alertmanager', '/etc/alertmanager/alertmanager.yml')).toBe(
      'infra/alertmanager/alertmanager.yml',
    );
    expect(service?.ports).toEqual(['127.0.0.1:9093:9093']);
    expect(compose.services['prometheus']?.depends_on).toContain('alertmanager');
  });

  it('routes every alert to a defined receiver, the example one a webhook with resolutions', () => {
    const receivers = new Set(alertmanager.receivers.map((r) => r.name));
    const routed = (route: Route): string[] => [
      ...(route.receiver === undefined ? [] : [route.receiver]),
      ...(route.routes ?? []).flatMap(routed),
    ];
    expect(alertmanager.route.receiver).toBeDefined();
    expect(routed(alertmanager.route).filter((name) => !receivers.has(name))).toEqual([]);
    const root = alertmanager.receivers.find((r) => r.name === alertmanager.route.receiver);
    expect(root?.webhook_configs).toEqual([
      { url: expect.stringMatching(/^https?:\/\//), send_resolved: true },
    ]);
  });

  it('writes rules only over metrics the code defines, prom-client defaults and Prometheus up', () => {
    const defined = declaredMetricNames();
    const used = alertRules.groups.flatMap((g) =>
      g.rules.flatMap((r) => [...r.expr.matchAll(/tickline_[a-z0-9_]+/g)].map((m) => m[0])),
    );
    expect(used.length).toBeGreaterThan(0);
    const unknown = used
      .map((name) => name.replace(/_(bucket|sum|count)$/, ''))
      .filter((name) => !defined.has(name) && !/^tickline_(process|nodejs)_/.test(name));
    expect(unknown).toEqual([]);
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
