import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { BucketedHistogram } from '../src/bucketedHistogram';
import { registerIngestMetrics } from '../src/ingestMetrics';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];

describe('BucketedHistogram', () => {
  it("exposes exactly what prom-client's Histogram exposes for the same observations", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.double({ min: 0, max: 20, noNaN: true }), fc.constantFrom(...BUCKETS)), {
          maxLength: 200,
        }),
        async (values) => {
          const ours = new Registry();
          const theirs = new Registry();
          const fast = new BucketedHistogram('lat_seconds', 'Latency.', BUCKETS, ours);
          const reference = new Histogram({
            name: 'lat_seconds',
            help: 'Latency.',
            buckets: BUCKETS,
            registers: [theirs],
          });
          for (const v of values) {
            fast.observe(v);
            reference.observe(v);
          }
          expect(await ours.metrics()).toBe(await theirs.metrics());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reset empties it, as the registry resets metrics', async () => {
    const registry = new Registry();
    const h = new BucketedHistogram('lat_seconds', 'Latency.', BUCKETS, registry);
    h.observe(0.5);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('lat_seconds_count 0');
  });
});

describe('registerIngestMetrics', () => {
  it('counts trades per venue and symbol cumulatively across scrapes', async () => {
    const registry = new Registry();
    const metrics = registerIngestMetrics(registry);
    for (let i = 0; i < 5; i++) metrics.trade('binance', 'BTCUSDT');
    metrics.trade('alpaca', 'AAPL');
    metrics.latency(0.003);
    expect(await registry.metrics()).toContain(
      'tickline_ingest_trades_total{venue="binance",symbol="BTCUSDT"} 5',
    );
    for (let i = 0; i < 3; i++) metrics.trade('binance', 'BTCUSDT');
    const text = await registry.metrics();
    expect(text).toContain('tickline_ingest_trades_total{venue="binance",symbol="BTCUSDT"} 8');
    expect(text).toContain('tickline_ingest_trades_total{venue="alpaca",symbol="AAPL"} 1');
    expect(text).toContain('tickline_ingest_latency_seconds_bucket{le="0.005"} 1');
    expect(text).toContain('tickline_ingest_latency_seconds_count 1');
  });
});
