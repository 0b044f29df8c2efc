import fc from 'fast-check';
import { ProviderHealth } from '../src';

describe('ProviderHealth', () => {
  it('seeds latency with the first sample, then moves it by alpha', () => {
    const h = new ProviderHealth({ alpha: 0.5 });
    h.record({ atMs: 0, ok: true, latencyMs: 100 });
    h.record({ atMs: 1, ok: false, latencyMs: 300 });
    expect(h.snapshot(1)).toEqual({ latencyMs: 200, successRate: 0.5, rateLimitHits: 0, calls: 2 });
  });

  it('counts rate-limit hits only within the recent window', () => {
    const h = new ProviderHealth({ recentWindowMs: 1000 });
    h.record({ atMs: 0, ok: false, latencyMs: 5, rateLimited: true });
    h.record({ atMs: 600, ok: false, latencyMs: 5, rateLimited: true });
    expect(h.snapshot(900).rateLimitHits).toBe(2);
    expect(h.snapshot(1000).rateLimitHits).toBe(1);
    expect(h.snapshot(1600).rateLimitHits).toBe(0);
  });

  it('property: success rate stays in [0, 1] and latency within the samples seen', () => {
    const outcome = fc.record({ ok: fc.boolean(), latencyMs: fc.integer({ min: 0, max: 60000 }) });
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.array(outcome, { minLength: 1, maxLength: 50 }),
        (alpha, outcomes) => {
          const h = new ProviderHealth({ alpha });
          outcomes.forEach((o, i) => h.record({ ...o, atMs: i }));
          const s = h.snapshot(outcomes.length);
          const latencies = outcomes.map((o) => o.latencyMs);
          expect(s.successRate).toBeGreaterThanOrEqual(0);
          expect(s.successRate).toBeLessThanOrEqual(1);
          expect(s.latencyMs).toBeGreaterThanOrEqual(Math.min(...latencies) - 1e-6);
          expect(s.latencyMs).toBeLessThanOrEqual(Math.max(...latencies) + 1e-6);
          if (outcomes.every((o) => o.ok)) expect(s.successRate).toBe(1);
        },
      ),
    );
  });
});
