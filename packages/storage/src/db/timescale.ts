/**
 * Whether a migration takes the TimescaleDB path. Set per session through the custom setting
 * `tickline.timescale` (migrate() sets it from its `timescale` option):
 * - `auto` (default): use TimescaleDB when it is installed, or available and preloaded;
 * - `off`: plain PostgreSQL even where TimescaleDB exists;
 * - `require`: fail when TimescaleDB cannot be used.
 */
export type TimescaleMode = 'auto' | 'off' | 'require';

/** Read by the migration: can the extension be used here, and what does the caller want. */
export const TIMESCALE_PROBE_SQL = `SELECT
  EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
  EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
    AND current_setting('shared_preload_libraries') LIKE '%timescaledb%' AS loadable,
  coalesce(nullif(current_setting('tickline.timescale', true), ''), 'auto') AS mode`;

export interface TimescaleProbe {
  installed: boolean;
  loadable: boolean;
  mode: string;
}

/** Decides the path from the probe; throws when `require` cannot be met or the mode is unknown. */
export function useTimescale(probe: TimescaleProbe): boolean {
  const usable = probe.installed || probe.loadable;
  switch (probe.mode) {
    case 'off':
      return false;
    case 'auto':
      return usable;
    case 'require':
      if (!usable) {
        throw new Error(
          'TimescaleDB was required (timescale: "require") but the timescaledb extension is neither installed nor preloaded on this server',
        );
      }
      return true;
    default:
      throw new Error(`unknown timescale mode ${JSON.stringify(probe.mode)}: expected auto, off or require`);
  }
}
