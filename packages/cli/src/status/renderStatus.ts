import type { StatusReport, StoreStatus } from '@tickline/ops';
import { textTable as table } from '../textTable';

/** `1.2s`, `4m05s`, `3h12m`, `2d04h`; `-` when unknown. */
export function formatAge(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

function store(name: string, status: StoreStatus): string {
  if (!status.ok) return `${name}: UNREACHABLE: ${status.error ?? 'unknown error'}`;
  return `${name}: ${status.configured ? 'ok, ' : ''}${status.detail ?? ''}`;
}

/** One screen of plain text: services, instruments with ages and lag, gaps, dead letters, stores. */
export function renderStatus(report: StatusReport): string {
  const out: string[] = [
    `Tickline status at ${new Date(report.at).toISOString()} (prefix ${report.prefix})`,
    '',
  ];

  out.push('Services');
  if (report.services.length === 0) {
    out.push('  none has written a heartbeat (is any running against this Redis and prefix?)');
  } else {
    const rows = report.services.map((s) => [
      s.service,
      s.instance,
      s.alive ? 'alive' : 'DEAD',
      s.version,
      formatAge(report.at - s.startedAt),
      formatAge(s.ageMs),
      s.url ?? '-',
    ]);
    out.push(
      ...table(['service', 'instance', 'state', 'version', 'uptime', 'last beat', 'metrics'], rows).map(
        indent,
      ),
    );
  }

  out.push('', 'Instruments');
  const rows = report.instruments.map((i) => [
    i.instrument,
    String(i.tickEntries),
    formatAge(i.lastTickAgeMs),
    formatAge(i.lastFinalBarAgeMs),
    i.groups.length === 0
      ? 'no consumer group'
      : i.groups.map((g) => `${g.group} lag ${g.lag ?? '?'} pending ${g.pending}`).join('; '),
  ]);
  out.push(
    ...table(['instrument', 'tick entries', 'last tick', 'last 1m bar', 'consumers'], rows).map(indent),
  );

  out.push('', `Gaps: ${report.gaps.total} recorded${report.gaps.recent.length > 0 ? '; latest:' : ''}`);
  for (const gap of report.gaps.recent) {
    const missing = gap.missing === undefined ? '' : `, ${gap.missing} trades missing`;
    out.push(
      `  ${gap.venue} ${gap.symbols.join(',')} ${gap.cause}: ${new Date(gap.fromTs).toISOString()} .. ${new Date(
        gap.toTs,
      ).toISOString()}${missing}`,
    );
  }

  const dead = report.deadLetters.filter((d) => d.entries > 0);
  out.push('', dead.length === 0 ? 'Dead letters: none' : 'Dead letters');
  for (const d of dead) out.push(`  ${d.source}: ${d.entries} entries`);

  out.push('', 'Stores', `  ${store('database', report.database)}`, `  ${store('file cache', report.cache)}`);
  return `${out.join('\n')}\n`;
}

function indent(line: string): string {
  return `  ${line}`;
}
