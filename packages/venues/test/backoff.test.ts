import fc from 'fast-check';
import { BackoffSchedule, backoffCeiling, fullJitterDelay, validateBackoff } from '../src/feed/backoff';

const options = fc
  .record({ baseMs: fc.integer({ min: 1, max: 10_000 }), extra: fc.integer({ min: 0, max: 1_000_000 }) })
  .map(({ baseMs, extra }) => ({ baseMs, capMs: baseMs + extra, stableAfterMs: 1000 }));
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoff', () => {
  it('full jitter stays in [0, min(cap, base·2^n))', () => {
    fc.assert(
      fc.property(options, fc.nat({ max: 2000 }), unit, (o, attempt, r) => {
        const delay = fullJitterDelay(attempt, o, () => r);
        const ceiling = Math.min(o.capMs, o.baseMs * 2 ** attempt);
        return (
          Number.isInteger(delay) && delay >= 0 && delay <= Math.max(0, ceiling - 0) && delay < ceiling + 1
        );
      }),
    );
  });

  it('the ceiling doubles until the cap and never exceeds it', () => {
    fc.assert(
      fc.property(options, fc.nat({ max: 200 }), (o, n) => {
        const a = backoffCeiling(n, o);
        const b = backoffCeiling(n + 1, o);
        return a <= o.capMs && b <= o.capMs && (b === o.capMs || b === 2 * a) && b >= a;
      }),
    );
  });

  it('resets the attempt count only after a connection stayed up stableAfterMs', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5000 }), { maxLength: 30 }), (uptimes) => {
        const schedule = new BackoffSchedule({ baseMs: 100, capMs: 10_000, stableAfterMs: 1000 }, () => 0.5);
        let now = 0;
        let expected = 0;
        for (const uptime of uptimes) {
          schedule.connected(now);
          now += uptime;
          schedule.nextDelay(now);
          expected = uptime >= 1000 ? 1 : expected + 1;
          if (schedule.attempts !== expected) return false;
        }
        return true;
      }),
    );
  });

  it('failed attempts (never connected) keep growing', () => {
    const schedule = new BackoffSchedule({ baseMs: 100, capMs: 800, stableAfterMs: 1000 }, () => 0.999);
    const delays = Array.from({ length: 6 }, (_, i) => schedule.nextDelay(i * 10_000));
    expect(delays).toEqual([99, 199, 399, 799, 799, 799]);
  });

  it('rejects impossible options', () => {
    expect(() => validateBackoff({ baseMs: 0, capMs: 10, stableAfterMs: 0 })).toThrow(/baseMs/);
    expect(() => validateBackoff({ baseMs: 10, capMs: 5, stableAfterMs: 0 })).toThrow(/capMs/);
  });
});
