import { type IngestMetrics } from '../../src';

/** A logger that drops everything: these tests assert on streams, not on log lines. */
export const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Metrics that record nothing, for an Ingestor built directly rather than by the runtime. */
export const noMetrics: IngestMetrics = {
  trade: () => undefined,
  reject: () => undefined,
  reconnect: () => undefined,
  gap: () => undefined,
  latency: () => undefined,
  watchPublisher: () => undefined,
};
