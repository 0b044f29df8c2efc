import * as fs from 'node:fs';
import * as path from 'node:path';
import { aggregatorMetrics } from '@tickline/aggregator-service';
import { backfillMetrics, type BackfillQueues } from '@tickline/backfill-service';
import { registerIngestMetrics } from '@tickline/ingestor-service';
import { registerPipelineMetrics } from '@tickline/monitor-service';
import { createMetricsRegistry } from '@tickline/runtime';
import { Registry } from 'prom-client';
import { createGatewayMetrics } from '../../services/gateway/src/gatewayMetrics';
import { CacheSweeper } from '../../services/fundamentals/src/cacheSweeper';
import { sinkMetrics } from '../../services/sink/src/sinkMetrics';
import { serviceUpGauge } from '../../packages/runtime/src/metrics';
import {
  declaredMetricNames,
  parseCatalogue,
  parseExposition,
  readCatalogue,
  ROOT,
  type CatalogueEntry,
} from './catalogue';

// docs/metrics.md against the code: the metrics each service registers, built on fresh registries (type
// and labels from prom-client itself), and a scan of the sources for metric declarations, so a metric
// added in a file this test does not build still shows up here.

interface Registered {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
}

/** The catalogue section of each service, and how that service registers its metrics. */
const SERVICES: Record<string, (registry: Registry) => void> = {
  'Every service (runtime)': (r) => void serviceUpGauge(r),
  Ingestor: (r) => void registerIngestMetrics(r),
  Aggregator: (r) => void aggregatorMetrics(r),
  Sink: (r) => void sinkMetrics(r),
  Monitor: (r) => registerPipelineMetrics(r, () => Promise.reject(new Error('not read here'))),
  Gateway: (r) => void createGatewayMetrics(r),
  Backfill: (r) => void backfillMetrics(r, {}, {} as BackfillQueues),
  Fundamentals: (r) => void new CacheSweeper({ intervalMs: 1, registry: r, logger: console }),
};

/**
 * Name, type and labels of what `build` registers, read from the metric objects (prom-client's and the
 * ingestor's BucketedHistogram carry `type`): not through `get()`, which would run collects that read
 * Redis, PostgreSQL or BullMQ.
 */
function registered(build: (registry: Registry) => void): Registered[] {
  const registry = new Registry();
  build(registry);
  return registry.getMetricsAsArray().map((metric) => {
    const { name, type, labelNames } = metric as unknown as Registered & { labelNames?: readonly string[] };
    return { name, type, labels: [...(labelNames ?? [])] };
  });
}

let catalogue: CatalogueEntry[];
let bySection: Map<string, Registered[]>;
beforeAll(() => {
  catalogue = readCatalogue();
  bySection = new Map(Object.entries(SERVICES).map(([section, build]) => [section, registered(build)]));
});

const allRegistered = () => [...bySection.values()].flat();

test('the catalogue lists every metric the services register, in its service, and nothing else', () => {
  const listed = catalogue.map((m) => `${m.section}: ${m.name}`).sort();
  const code = [...bySection].flatMap(([section, metrics]) => metrics.map((m) => `${section}: ${m.name}`));
  expect(listed).toEqual(code.sort());
  expect(new Set(catalogue.map((m) => m.name)).size).toBe(catalogue.length);
});

test('every metric declared in the sources is one of those, and every one is declared there', () => {
  expect([...declaredMetricNames()].sort()).toEqual(
    allRegistered()
      .map((m) => m.name)
      .sort(),
  );
});

test('types and labels in the catalogue are the registered ones', () => {
  const code = new Map(allRegistered().map((m) => [m.name, m]));
  for (const entry of catalogue) {
    const metric = code.get(entry.name);
    expect([entry.name, entry.type, [...entry.labels].sort()]).toEqual([
      entry.name,
      metric?.type,
      [...(metric?.labels ?? [])].sort(),
    ]);
  }
});

test('a metric that does not move in the demo names tests that read it, and they exist', () => {
  for (const entry of catalogue.filter((m) => !m.movesInDemo)) {
    expect([entry.name, entry.tests.length > 0]).toEqual([entry.name, true]);
    for (const test of entry.tests) {
      const file = path.join(ROOT, test);
      expect([entry.name, test, fs.existsSync(file)]).toEqual([entry.name, test, true]);
      expect([entry.name, test, fs.readFileSync(file, 'utf8').includes(entry.name)]).toEqual([
        entry.name,
        test,
        true,
      ]);
    }
  }
});

test("prom-client's default metrics are left out of the tables and described as a group", async () => {
  const defaults = [...parseExposition(await createMetricsRegistry().metrics()).keys()];
  expect(defaults.length).toBeGreaterThan(5);
  expect(
    defaults.every((name) => name.startsWith('tickline_process_') || name.startsWith('tickline_nodejs_')),
  ).toBe(true);
  const text = fs.readFileSync(path.join(ROOT, 'docs/metrics.md'), 'utf8');
  expect(catalogue.filter((m) => defaults.includes(m.name))).toEqual([]);
  expect(text).toContain('`tickline_process_cpu_seconds_total`');
  expect(defaults).toContain('tickline_process_cpu_seconds_total');
});

describe('parseCatalogue', () => {
  it('reads name, type, labels, section, the demo verdict and the tests of a row', () => {
    const rows = parseCatalogue(
      [
        '## Sink',
        '| Metric | Type | Labels | Meaning | In the demo |',
        '| --- | --- | --- | --- | --- |',
        '| `tickline_a_total` | counter | `store`, `kind` | A thing. | moves |',
        '| `tickline_b` | gauge | | B. | zero: faults only; moves in `test/x.test.ts` and `test/y.e2e.test.ts` |',
        '| `tickline_c` | gauge | | not a metric row: a missing cell |',
      ].join('\n'),
    );
    expect(rows).toEqual([
      {
        name: 'tickline_a_total',
        type: 'counter',
        labels: ['store', 'kind'],
        section: 'Sink',
        movesInDemo: true,
        tests: [],
      },
      {
        name: 'tickline_b',
        type: 'gauge',
        labels: [],
        section: 'Sink',
        movesInDemo: false,
        tests: ['test/x.test.ts', 'test/y.e2e.test.ts'],
      },
    ]);
  });
});
