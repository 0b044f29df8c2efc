import fc from 'fast-check';
import { roundVolume, TimeBarAggregator } from '@tickline/aggregation';
import { trade } from './streams';

/** The exact decimal sum of sizes given in units of 1e-8, as the nearest double. */
function decimalSum(units: readonly number[]): number {
  const sum = units.reduce((total, n) => total + BigInt(n), 0n);
  return Number(`${sum / 100_000_000n}.${(sum % 100_000_000n).toString().padStart(8, '0')}`);
}

describe('published volumes carry no float noise', () => {
  it('a bar of sizes with 8 decimals has exactly their decimal sum as volume (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1e12 }), { minLength: 1, maxLength: 80 }), (units) => {
        const agg = new TimeBarAggregator({ venue: 'binance', symbol: 'BTCUSDT', timeframes: ['1m', '1h'] });
        const t0 = Date.parse('2024-03-01T10:00:00Z');
        units.forEach((n, i) => agg.push(trade(t0 + i, 100, n / 1e8, `v${i}`)));
        const bars = agg.flush().flatMap((e) => ('bar' in e ? [e.bar] : []));
        expect(bars.map((bar) => bar.volume)).toEqual([decimalSum(units), decimalSum(units)]);
      }),
      { numRuns: 300 },
    );
  });

  it('the classic case, and large or whole volumes left as they are', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(roundVolume(0.1 + 0.2)).toBe(0.3);
    expect(roundVolume(12.432380000000013)).toBe(12.43238);
    expect(roundVolume(123_456_789_012.5)).toBe(123_456_789_012.5);
    expect(roundVolume(1e300)).toBe(1e300);
    expect(roundVolume(0)).toBe(0);
    const big = 98_765_432.123_456_7 + 1e-9;
    expect(Math.abs(roundVolume(big) - big) / big).toBeLessThan(1e-15);
  });
});
