import { z } from 'zod';

// Connection health of every venue feed the ingestor runs: reconnect backoff and the silence
// watchdog. Defaults mirror @tickline/venues (DEFAULT_BACKOFF, DEFAULT_WATCHDOG).

const ms = (min: number, expected: string) =>
  z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });

export const IngestorSchema = z
  .strictObject({
    backoff: z
      .strictObject({
        baseMs: ms(1, 'expected a positive integer (ms)')
          .default(1000)
          .describe(
            'Ceiling of the first reconnect delay; each delay is uniform in [0, ceiling] (full jitter).',
          ),
        capMs: ms(1, 'expected a positive integer (ms)')
          .default(30000)
          .describe('Largest ceiling: it doubles per failed attempt up to this.'),
        stableAfterMs: ms(0, 'expected an integer >= 0 (ms)')
          .default(60000)
          .describe('A connection that stayed up this long resets the attempt count.'),
      })
      .refine((b) => b.capMs >= b.baseMs, { error: 'expected capMs >= baseMs', path: ['capMs'] })
      .prefault({})
      .describe('Reconnect delays (exponential backoff with full jitter).'),
    watchdog: z
      .strictObject({
        minSilenceMs: ms(1, 'expected a positive integer (ms)')
          .default(10000)
          .describe('Never treat data silence as a dead link below this.'),
        maxSilenceMs: ms(1, 'expected a positive integer (ms)')
          .default(300000)
          .describe('Cap of the adaptive data-silence threshold (before the quiet-streak doubling).'),
        factor: z
          .number({ error: 'expected a positive number' })
          .positive({ error: 'expected a positive number' })
          .default(20)
          .describe("Silence threshold = factor × the connection's mean gap between data messages."),
        linkTimeoutMs: ms(1, 'expected a positive integer (ms)')
          .default(70000)
          .describe('Any frame at all (data or a server ping) must arrive within this.'),
      })
      .refine((w) => w.maxSilenceMs >= w.minSilenceMs, {
        error: 'expected maxSilenceMs >= minSilenceMs',
        path: ['maxSilenceMs'],
      })
      .prefault({})
      .describe('Per-connection silence watchdog: silence past an adaptive threshold means a dead link.'),
  })
  .prefault({})
  .describe('Venue connections of the ingestor.');
