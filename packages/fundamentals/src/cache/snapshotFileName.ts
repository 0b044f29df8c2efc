// `{provider}_{YYYYMMDD}_{HHMMSS}.json`, UTC. Provider names may hold underscores (`alpha_vantage`):
// the timestamp is parsed from the right, which the old system got wrong.
const NAME = /^(.+)_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\.json$/;

/** The old system's provider names, mapped to ours so its files count for the same provider. */
const ALIASES: Record<string, string> = {
  yfinance: 'yahoo',
  yahoo_finance: 'yahoo',
  alpha_vantage: 'alphavantage',
  financial_modeling_prep: 'fmp',
};

export function canonicalProvider(name: string): string {
  return ALIASES[name] ?? name;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

export function snapshotFileName(provider: string, epochMs: number): string {
  const d = new Date(epochMs);
  const date = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return `${provider}_${date}_${time}.json`;
}

export interface ParsedFileName {
  /** As written in the name (`alpha_vantage`). */
  fileProvider: string;
  /** Canonical (`alphavantage`). */
  provider: string;
  /** The name's timestamp, whole seconds, read as UTC. */
  timestamp: number;
}

/** The provider and time a cache file name holds; undefined for other files (locks, temporaries). */
export function parseSnapshotFileName(name: string): ParsedFileName | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(2).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const timestamp =
    new Date(0).setUTCFullYear(year, month - 1, day) + ((hour * 60 + minute) * 60 + second) * 1000;
  if (snapshotFileName(match[1] ?? '', timestamp) !== name) return undefined; // 20250230, 256161
  const fileProvider = match[1] ?? '';
  return { fileProvider, provider: canonicalProvider(fileProvider), timestamp };
}
