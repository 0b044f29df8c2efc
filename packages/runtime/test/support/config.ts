import { loadConfig, type TicklineConfig } from '@tickline/config';

/** A config for in-process tests: health server on a free port, nothing else special. */
export function testConfig(env: Record<string, string> = {}): TicklineConfig {
  return loadConfig({ env: { TICKLINE_METRICS_PORT: '0', ...env } });
}
