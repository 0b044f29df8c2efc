import fc from 'fast-check';
import {
  DEFAULT_WATCHDOG,
  MAX_QUIET_STREAK,
  SilenceWatchdog,
  silenceThreshold,
  updateMeanGap,
} from '../src/feed/silenceWatchdog';

const o = {
  ...DEFAULT_WATCHDOG,
  minSilenceMs: 1000,
  maxSilenceMs: 60_000,
  factor: 10,
  linkTimeoutMs: 30_000,
};

describe('adaptive silence threshold', () => {
  it('stays within [min, max·2^streak] and grows with the mean gap', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.nat({ max: 10 }),
        (a, b, streak) => {
          const ta = silenceThreshold(a, streak, o);
          const tb = silenceThreshold(b, streak, o);
          const scale = 2 ** Math.min(streak, MAX_QUIET_STREAK);
          const inRange = ta >= o.minSilenceMs * scale && ta <= o.maxSilenceMs * scale;
          return inRange && (a <= b ? ta <= tb : ta >= tb);
        },
      ),
    );
  });

  it('is the cap before any gap is known', () => {
    expect(silenceThreshold(undefined, 0, o)).toBe(o.maxSilenceMs);
  });

  it('the EWMA stays between the old mean and the new gap', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1e6 }),
        fc.nat({ max: 1e6 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (m, g, s) => {
          const next = updateMeanGap(m, g, s);
          return next >= Math.min(m, g) - 1e-6 && next <= Math.max(m, g) + 1e-6;
        },
      ),
    );
  });
});

describe('SilenceWatchdog', () => {
  it('a busy connection is stale after min silence; a quiet one only after factor × its usual gap', () => {
    const busy = new SilenceWatchdog(o, 0);
    for (let t = 10; t <= 1000; t += 10) busy.data(t);
    expect(busy.check(1000 + o.minSilenceMs)).toBeUndefined();
    expect(busy.check(1001 + o.minSilenceMs)?.kind).toBe('data');

    const quiet = new SilenceWatchdog(o, 0);
    for (let t = 3000; t <= 30_000; t += 3000) quiet.data(t);
    expect(quiet.thresholdMs).toBe(30_000);
    expect(quiet.check(30_000 + 29_000)).toBeUndefined();
  });

  it('pings keep the link alive but not the data', () => {
    const w = new SilenceWatchdog({ ...o, linkTimeoutMs: 5000 }, 0);
    w.data(100);
    w.data(200);
    for (let t = 1000; t < 1100; t += 50) w.heartbeat(t);
    expect(w.check(1200)).toBeUndefined();
    expect(w.check(7000)?.kind).toBe('link');
  });

  it('backs off when reconnecting brings no data (a quiet instrument, not a dead link)', () => {
    const w = new SilenceWatchdog(o, 0);
    w.data(100);
    w.data(200);
    const first = w.check(200 + 1001)!;
    w.connected(1201);
    w.heartbeat(1500);
    const second = w.check(1201 + 1001);
    expect(first.thresholdMs).toBe(1000);
    expect(second).toBeUndefined();
    expect(w.thresholdMs).toBe(2000);
    w.data(5000);
    expect(w.thresholdMs).toBe(silenceThreshold(w.meanGapMs, 0, o));
  });
});
