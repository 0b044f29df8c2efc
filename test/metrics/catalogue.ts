import * as fs from 'node:fs';
import * as path from 'node:path';

// docs/metrics.md as data, and Prometheus text exposition as data: the catalogue test and the demo
// e2e test hold the document to the code and to a running demo with these.

export const ROOT = path.resolve(__dirname, '../..');
export const CATALOGUE_FILE = path.join(ROOT, 'docs/metrics.md');

/** One row of a catalogue table. */
export interface CatalogueEntry {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labels: readonly string[];
  /** The section (`## ...`) the row is in: the service that registers it. */
  readonly section: string;
  /** True when the demo moves it ("moves" in the last column). */
  readonly movesInDemo: boolean;
  /** The tests named (backticked `*.test.ts` paths) in the last column. */
  readonly tests: readonly string[];
}

const ROW = /^\|\s*`(tickline_[a-z0-9_]+)`\s*\|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|\s*$/;

/** Every metric row of docs/metrics.md (rows whose first cell is a backticked `tickline_` name). */
export function parseCatalogue(text: string): CatalogueEntry[] {
  const entries: CatalogueEntry[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const heading = /^##\s+(.*)$/.exec(line);
    if (heading) section = heading[1]!.trim();
    const row = ROW.exec(line);
    if (!row) continue;
    const [, name, type, labels, , demo] = row as unknown as [string, string, string, string, string, string];
    const labelNames = [...labels.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    entries.push({
      name: name,
      type: type.trim() as CatalogueEntry['type'],
      labels: labelNames,
      section,
      movesInDemo: /^\s*moves\b/i.test(demo),
      tests: [...demo.matchAll(/`([^`]+\.test\.ts)`/g)].map((m) => m[1]!),
    });
  }
  return entries;
}

export function readCatalogue(): CatalogueEntry[] {
  return parseCatalogue(fs.readFileSync(CATALOGUE_FILE, 'utf8'));
}

/** One metric family of a scrape. */
export interface Family {
  readonly type: string;
  readonly samples: { readonly name: string; readonly labels: string; readonly value: number }[];
}

/** Parses Prometheus text exposition into families by name (samples follow their `# TYPE` line). */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      current = families.get(type[1]!) ?? { type: type[2]!, samples: [] };
      families.set(type[1]!, current);
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (sample && current) {
      current.samples.push({ name: sample[1]!, labels: sample[2] ?? '', value: Number(sample[3]) });
    }
  }
  return families;
}

/** Whether a family has moved: a counter or gauge sample other than 0, a histogram with observations. */
export function moved(family: Family | undefined): boolean {
  if (family === undefined) return false;
  if (family.type === 'histogram')
    return family.samples.some((s) => s.name.endsWith('_count') && s.value > 0);
  return family.samples.some((s) => s.value !== 0 && Number.isFinite(s.value));
}

/** `tickline_*` metric names declared in the sources of every package and service. */
export function declaredMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const group of ['packages', 'services']) {
    for (const pkg of fs.readdirSync(path.join(ROOT, group))) {
      const src = path.join(ROOT, group, pkg, 'src');
      if (!fs.existsSync(src)) continue;
      for (const file of fs.readdirSync(src, { recursive: true }) as string[]) {
        if (!file.endsWith('.ts')) continue;
        const text = fs.readFileSync(path.join(src, file), 'utf8');
        // Prefixes a file builds names from: `const p = 'tickline_gateway_'`, METRIC_PREFIX.
        const prefixes = new Map<string, string>(
          [...text.matchAll(/const (\w+)\s*=\s*'(tickline_[a-z0-9_]*)'/g)].map((m) => [m[1]!, m[2]!]),
        );
        for (const m of text.matchAll(/\bname:\s*'(tickline_[a-z0-9_]+)'/g)) names.add(m[1]!);
        for (const m of text.matchAll(/\bname:\s*`\$\{(\w+)\}([a-z0-9_]+)`/g)) {
          const prefix = prefixes.get(m[1]!);
          if (prefix !== undefined) names.add(`${prefix}${m[2]!}`);
        }
        for (const m of text.matchAll(/new BucketedHistogram\(\s*'(tickline_[a-z0-9_]+)'/g)) names.add(m[1]!);
      }
    }
  }
  return names;
}
