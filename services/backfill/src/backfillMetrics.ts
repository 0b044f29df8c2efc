import type { ProviderAttempt, HistoryProvider, HistoryProviderName } from '@tickline/history';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BackfillQueues } from './backfillQueues';

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;
const JOB_STATES = ['waiting', 'delayed', 'active', 'waiting-children', 'completed', 'failed'] as const;

/** What the backfill service counts. */
export interface BackfillMetrics {
  /** The router's onAttempt hook: provider latency and outcome. */
  attempt(attempt: ProviderAttempt): void;
  job(kind: 'chunk' | 'request', outcome: 'completed' | 'failed' | 'retry', seconds: number): void;
  bars(provider: string, kind: 'backfill' | 'repair', count: number): void;
  gap(venue: string): void;
}

/**
 * Registers the service's metrics: `tickline_provider_*` (per provider: request latency and outcomes
 * from every router attempt; breaker state, success rate and recent rate-limit hits read from the
 * gates at scrape) and `tickline_backfill_*` (queue depths read at scrape, job durations, bars, gaps).
 */
export function backfillMetrics(
  registry: Registry,
  providers: Partial<Record<HistoryProviderName, HistoryProvider>>,
  queues: BackfillQueues,
): BackfillMetrics {
  const latency = new Histogram({
    name: 'tickline_provider_request_duration_seconds',
    help: 'Time one provider took for a range (all its pages), by provider and outcome.',
    labelNames: ['provider', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'tickline_provider_requests_total',
    help: 'Provider attempts by outcome (ok, failed, skipped: breaker open).',
    labelNames: ['provider', 'outcome'],
    registers: [registry],
  });
  const status = (read: (name: string, p: HistoryProvider) => number) =>
    function (this: Gauge) {
      for (const [name, provider] of Object.entries(providers)) {
        if (provider) this.set({ provider: name }, read(name, provider));
      }
    };
  new Gauge({
    name: 'tickline_provider_breaker_state',
    help: 'Circuit breaker per provider: 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider'],
    registers: [registry],
    collect: status((_, p) => BREAKER_VALUE[p.status().breaker]),
  });
  new Gauge({
    name: 'tickline_provider_success_ratio',
    help: 'EWMA share of successful provider calls (this process).',
    labelNames: ['provider'],
    registers: [registry],
    collect: status((_, p) => p.status().successRate),
  });
  new Gauge({
    name: 'tickline_provider_rate_limit_hits',
    help: 'Rate-limit replies (429, notes) of a provider within the last 5 minutes (this process).',
    labelNames: ['provider'],
    registers: [registry],
    collect: status((_, p) => p.status().rateLimitHits),
  });
  new Gauge({
    name: 'tickline_backfill_queue_jobs',
    help: 'Backfill jobs by queue and state.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const queue of [queues.requests, queues.chunks]) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
  const jobs = new Histogram({
    name: 'tickline_backfill_job_duration_seconds',
    help: 'Processing time of backfill jobs by kind (chunk, request) and outcome.',
    labelNames: ['kind', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [registry],
  });
  const bars = new Counter({
    name: 'tickline_backfill_bars_total',
    help: 'Bars handed to the sink, by source (provider:adjustment) and kind (backfill, repair).',
    labelNames: ['source', 'kind'],
    registers: [registry],
  });
  const gaps = new Counter({
    name: 'tickline_backfill_gaps_total',
    help: 'Feed gaps read from tl:gaps and scheduled for repair, by venue.',
    labelNames: ['venue'],
    registers: [registry],
  });
  return {
    attempt: (a) => {
      requests.inc({ provider: a.provider, outcome: a.outcome });
      if (a.outcome !== 'skipped')
        latency.observe({ provider: a.provider, outcome: a.outcome }, a.elapsedMs / 1000);
    },
    job: (kind, outcome, seconds) => jobs.observe({ kind, outcome }, seconds),
    bars: (source, kind, count) => bars.inc({ source, kind }, count),
    gap: (venue) => gaps.inc({ venue }),
  };
}
