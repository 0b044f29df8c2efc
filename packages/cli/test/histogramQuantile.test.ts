import fc from 'fast-check';
import { histogramQuantile } from '../src/histogramQuantile';

test('interpolates inside the bucket the rank falls in, as histogram_quantile does', () => {
  const buckets = [
    { le: 0.1, count: 10 },
    { le: 0.2, count: 30 },
    { le: Infinity, count: 40 },
  ];
  expect(histogramQuantile(buckets, 0.5)).toBeCloseTo(0.15); // rank 20: half-way through (0.1, 0.2]
  expect(histogramQuantile(buckets, 0.125)).toBeCloseTo(0.05); // rank 5: half-way through (0, 0.1]
  expect(histogramQuantile(buckets, 0.99)).toBe(0.2); // in +Inf: the highest finite bound
  expect(histogramQuantile([{ le: Infinity, count: 0 }], 0.5)).toBeUndefined();
});

test('estimates lie within the bounds of the bucket holding the true quantile', () => {
  const bounds = [0.001, 0.01, 0.1, 1, 10];
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 9.99, noNaN: true }), { minLength: 1, maxLength: 200 }),
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      (values, q) => {
        const buckets = [...bounds, Infinity].map((le) => ({
          le,
          count: values.filter((v) => v <= le).length,
        }));
        const sorted = [...values].sort((a, b) => a - b);
        const truth = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
        const upper = bounds.find((b) => truth <= b)!;
        const lower = [0, ...bounds][bounds.indexOf(upper)]!;
        const estimate = histogramQuantile(buckets, q)!;
        expect(estimate).toBeGreaterThanOrEqual(lower - 1e-12);
        expect(estimate).toBeLessThanOrEqual(upper + 1e-12);
      },
    ),
  );
});
