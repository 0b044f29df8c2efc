import type { Bar } from '@tickline/core';
import { BARS_CSV_HEADER, barJson, barsCsvLines, isoTimeFormatter } from '@tickline/storage';

export type BarsFormat = 'csv' | 'json';

/** The CSV header of `tickline bars` (DESIGN.md "Command line"). */
export { BARS_CSV_HEADER };

const iso = isoTimeFormatter();

const jsonLine = (bar: Bar): string => JSON.stringify(barJson(bar, iso));

const CHUNK = 16_384;

/** Writes bars chunk by chunk as they are read; `end` closes the output. */
export interface BarsWriter {
  write(bars: readonly Bar[]): Promise<void>;
  /** Lines of the bars CSV as storage's text readers give them (csv only). */
  writeCsv(lines: string): Promise<void>;
  end(): void;
}

/**
 * CSV (`quality` is the score) or a JSON array with one bar per line, written in pieces of at most
 * CHUNK bars so a year of 1m bars never becomes one giant string; after each piece it waits for
 * `drained`, so a slow reader of stdout holds the producer back instead of a queue of pieces in memory.
 */
export function barsWriter(
  format: BarsFormat,
  write: (text: string) => void,
  drained: () => Promise<void> = () => Promise.resolve(),
): BarsWriter {
  let first = true;
  if (format === 'csv') write(`${BARS_CSV_HEADER}\n`);
  return {
    async write(bars) {
      for (let i = 0; i < bars.length; i += CHUNK) {
        const end = Math.min(i + CHUNK, bars.length);
        let text: string;
        if (format === 'csv') text = barsCsvLines(bars.slice(i, end), iso);
        else {
          text = first ? '[\n' : ',\n';
          for (let j = i; j < end; j++) text += j === i ? jsonLine(bars[j]!) : ',\n' + jsonLine(bars[j]!);
        }
        first = false;
        write(text);
        await drained();
      }
    },
    async writeCsv(lines) {
      if (format !== 'csv') throw new Error('writeCsv needs the csv format');
      if (lines === '') return;
      write(lines);
      await drained();
    },
    end: () => {
      if (format === 'json') write(first ? '[]\n' : '\n]\n');
    },
  };
}

/** Writes all of `bars` (see barsWriter). */
export async function writeBars(
  bars: readonly Bar[],
  format: BarsFormat,
  write: (text: string) => void,
): Promise<void> {
  const writer = barsWriter(format, write);
  await writer.write(bars);
  writer.end();
}
