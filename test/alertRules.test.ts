import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

// The alert rules of infra/prometheus against their promtool unit tests (alerts.test.yml), and those
// tests against a rule broken on purpose: they must notice. promtool comes with Debian's prometheus
// package, which `bash scripts/services.sh up tools` installs.

const ROOT = path.resolve(__dirname, '..');
const RULES_DIR = path.join(ROOT, 'infra/prometheus');
const PROMTOOL = process.env.PROMTOOL_BIN ?? 'promtool';

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface RuleTest {
  readonly alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const rules = (parse(read('infra/prometheus/alerts.yml')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const unitTests = (parse(read('infra/prometheus/alerts.test.yml')) as { tests: RuleTest[] }).tests;

function promtool(args: readonly string[], cwd = ROOT): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8' });
  if (run.error) {
    throw new Error(
      `cannot run ${PROMTOOL} (${run.error.message}): install Debian's prometheus package, which ships ` +
        '/usr/bin/promtool (`bash scripts/services.sh up tools`), or set PROMTOOL_BIN',
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

test('promtool accepts the Prometheus config and its rule file', () => {
  const config = promtool(['check', 'config', 'infra/prometheus/prometheus.yml']);
  expect([config.status, config.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  const checked = promtool(['check', 'rules', 'infra/prometheus/alerts.yml']);
  expect([checked.status, checked.output]).toEqual([
    0,
    expect.stringContaining(`${rules.length} rules found`),
  ]);
});

test('promtool test rules passes', () => {
  const run = promtool(['test', 'rules', 'infra/prometheus/alerts.test.yml']);
  expect([run.status, run.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
});

test('every alert has a unit test that sees it fire and one that sees it quiet', () => {
  const cases = unitTests.flatMap((t) => t.alert_rule_test ?? []);
  for (const { alert } of rules) {
    const own = cases.filter((c) => c.alertname === alert);
    expect([alert, own.some((c) => (c.exp_alerts ?? []).length > 0)]).toEqual([alert, true]);
    expect([alert, own.some((c) => (c.exp_alerts ?? []).length === 0)]).toEqual([alert, true]);
  }
});

test('every alert has a severity, a summary, a description and a runbook section', () => {
  const runbook = read('docs/runbook.md');
  const anchors = new Set([...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
  expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  for (const rule of rules) {
    const { summary, description, runbook_url: url } = rule.annotations ?? {};
    expect([rule.alert, rule.labels?.['severity']]).toEqual([
      rule.alert,
      expect.stringMatching(/^(critical|warning)$/),
    ]);
    expect([rule.alert, summary, description]).toEqual([rule.alert, expect.any(String), expect.any(String)]);
    expect([rule.alert, url]).toEqual([rule.alert, `docs/runbook.md#${anchorOf(rule.alert)}`]);
    expect([rule.alert, anchors.has(anchorOf(rule.alert))]).toEqual([rule.alert, true]);
  }
});

describe('the unit tests notice a broken rule', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-alerts-'));
    fs.copyFileSync(path.join(RULES_DIR, 'alerts.test.yml'), path.join(dir, 'alerts.test.yml'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the unit tests against alerts.yml with `from` replaced by `to` (once, and it must be there). */
  function testBroken(from: string, to: string) {
    const text = fs.readFileSync(path.join(RULES_DIR, 'alerts.yml'), 'utf8');
    expect(text.split(from)).toHaveLength(2);
    fs.writeFileSync(path.join(dir, 'alerts.yml'), text.replace(from, to));
    return promtool(['test', 'rules', 'alerts.test.yml'], dir);
  }

  it('fails when the tick-age threshold is raised tenfold', () => {
    const run = testBroken('tickline_last_tick_age_seconds > 120', 'tickline_last_tick_age_seconds > 1200');
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('alertname: TicklineTickAgeHigh');
  });

  it("fails when the feed alert's for: window is lengthened", () => {
    const feed = rules.find((r) => r.alert === 'TicklineFeedDown');
    expect(feed?.for).toBe('1m');
    const run = testBroken(
      'and on() count(tickline_stream_entries) > 0\n        for: 1m',
      'and on() count(tickline_stream_entries) > 0\n        for: 5m',
    );
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('alertname: TicklineFeedDown');
  });
});
