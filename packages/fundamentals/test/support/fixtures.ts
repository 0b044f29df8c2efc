import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A recorded fixture of this package (see test/fixtures/SOURCES.md), parsed. */
export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', path), 'utf8')) as unknown;
}

/** The first row of a recorded FMP array reply. */
export function fmpRow(path: string): unknown {
  return (fixture(path) as unknown[])[0];
}
