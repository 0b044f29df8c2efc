import type { ClientBase } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { isoTimeFormatter } from '../barsCsv';
import { StorageError } from '../storageError';
import { barTable } from './barTiers';
import { pgp, type Database } from './database';
import { checkRange, type BarQuery } from './queryBars';

/** Options of {@link queryBarsCsv}. */
export interface BarsCsvOptions {
  /** Only final bars (what the cache holds, and what `tickline bars` shows). Default false. */
  finalOnly?: boolean;
}

/**
 * The stored bars of `query` in start order as the bars CSV (barsCsv.ts, without its header), in pieces:
 * the same text as barsCsvLines of queryBars' bars. PostgreSQL prints the numbers (a COPY in CSV format,
 * float8 in its shortest exact form, which is JavaScript's wherever both use plain notation) and only the
 * times are formatted here, so no Bar is built per row; a piece holding an exponent or a negative zero
 * (where the two notations differ) is reprinted number by number.
 */
export async function* queryBarsCsv(
  db: Database,
  query: BarQuery,
  options: BarsCsvOptions = {},
): AsyncGenerator<string> {
  checkRange(query);
  // trades as float8, as the Bar path reads it: a count beyond 2^53 prints as the same double.
  const statement = pgp().as.format(
    `COPY (SELECT (date_part('epoch', start) * 1000)::bigint, open, high, low, close, volume, trades::float8,
  vwap, quality_score
FROM ${barTable(query.timeframe)}
WHERE venue = $1 AND symbol = $2 AND timeframe = $3
  AND start >= timestamptz 'epoch' + $4 * interval '1 millisecond'
  AND start < timestamptz 'epoch' + $5 * interval '1 millisecond'${options.finalOnly === true ? ' AND final' : ''}
ORDER BY start) TO STDOUT (FORMAT csv)`,
    [query.venue, query.symbol, query.timeframe, query.from, query.to],
  );
  const iso = isoTimeFormatter();
  const connection = await db.connect();
  let complete = false;
  try {
    // pg-promise bundles its own pg typings; pg-copy-streams uses @types/pg. Same client at runtime.
    const client = connection.client as unknown as ClientBase;
    // The shortest exact float8 output (the default since PostgreSQL 12; a lower setting loses digits).
    await client.query('SET extra_float_digits = 1');
    let rest = '';
    for await (const chunk of client.query(copyTo(statement)) as AsyncIterable<Buffer>) {
      const text = rest + chunk.toString('latin1');
      const last = text.lastIndexOf('\n') + 1;
      rest = text.slice(last);
      if (last > 0) yield csvLines(text, last, iso);
    }
    if (rest !== '') throw new StorageError('QUERY_FAILED', 'the COPY output of PostgreSQL ended mid-row');
    complete = true;
  } finally {
    void connection.done(!complete);
  }
}

/** The bars CSV of COPY rows `epoch ms,open,...,quality` in text[0, end) (whole lines). */
function csvLines(text: string, end: number, iso: (ms: number) => string): string {
  const reprint = text.includes('e') || text.includes(',-0,') || text.includes(',-0\n');
  let lines = '';
  for (let pos = 0; pos < end;) {
    const lineEnd = text.indexOf('\n', pos);
    const comma = text.indexOf(',', pos);
    const start = integerAt(text, pos, comma);
    lines +=
      iso(start) + (reprint ? reprinted(text.slice(comma, lineEnd)) : text.slice(comma, lineEnd)) + '\n';
    pos = lineEnd + 1;
  }
  return lines;
}

/** The integer written in text[start, end). */
function integerAt(text: string, start: number, end: number): number {
  const negative = text.charCodeAt(start) === 45;
  let value = 0;
  for (let i = negative ? start + 1 : start; i < end; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return negative ? -value : value;
}

/** `,n,n,...` with every number as JavaScript prints it. */
function reprinted(fields: string): string {
  return fields
    .split(',')
    .map((field, i) => (i === 0 ? '' : String(Number(field))))
    .join(',');
}
