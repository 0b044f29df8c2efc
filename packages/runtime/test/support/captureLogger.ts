import type { TicklineConfig } from '@tickline/config';
import { createLogger, type Logger } from '@tickline/runtime';

/** A real runtime logger whose lines are kept in memory. */
export function captureLogger(config: TicklineConfig): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ config, destination: { write: (line: string) => lines.push(line) } });
  return { logger, lines };
}
