import fc from 'fast-check';
import { CircuitBreaker } from '../src';

type Step = { kind: 'call'; ok: boolean; dt: number } | { kind: 'trip'; forMs: number; dt: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('call' as const), ok: fc.boolean(), dt: fc.integer({ min: 0, max: 5000 }) }),
  fc.record({
    kind: fc.constant('trip' as const),
    forMs: fc.integer({ min: 0, max: 20000 }),
    dt: fc.integer({ min: 0, max: 5000 }),
  }),
);

const options = { failureThreshold: 3, cooldownMs: 1000, maxCooldownMs: 8000, halfOpenProbes: 1 };

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures, probes after the cooldown, closes on success', () => {
    const b = new CircuitBreaker(options);
    for (let i = 0; i < 2; i++) {
      expect(b.tryAcquire(0)).toBe(true);
      b.onFailure(0);
    }
    expect(b.state(0)).toBe('closed');
    b.tryAcquire(0);
    b.onFailure(0);
    expect(b.state(999)).toBe('open');
    expect(b.tryAcquire(999)).toBe(false);
    expect(b.state(1000)).toBe('half-open');
    expect(b.tryAcquire(1000)).toBe(true);
    expect(b.tryAcquire(1000)).toBe(false); // one probe at a time
    b.onFailure(1100); // failed probe: open again, twice as long
    expect(b.state(3099)).toBe('open');
    expect(b.tryAcquire(3100)).toBe(true);
    b.onSuccess(3100);
    expect(b.state(3100)).toBe('closed');
  });

  it('a success resets the count of consecutive failures', () => {
    const b = new CircuitBreaker(options);
    for (const ok of [false, false, true, false, false]) report(b, ok, 0);
    expect(b.state(0)).toBe('closed');
  });

  it('property: after trip(t, d) no call is let through before t + d', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 40 }),
        fc.integer({ min: 1, max: 60000 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (steps, banMs, later) => {
          const b = new CircuitBreaker(options);
          let now = 0;
          replay(
            b,
            steps,
            () => now,
            (t) => (now = t),
          );
          const trippedAt = now;
          b.trip(trippedAt, banMs);
          for (const offset of later) {
            const t = trippedAt + (offset % banMs);
            expect(b.tryAcquire(t)).toBe(false);
            b.onSuccess(t); // a late success of an earlier call does not undo the ban
            b.onFailure(t);
          }
          expect(b.state(trippedAt + banMs - 1)).toBe('open');
        },
      ),
    );
  });

  it('property: an open breaker refuses, a closed one admits, half-open admits at most the probe count', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const b = new CircuitBreaker(options);
        let now = 0;
        let probes = 0;
        for (const s of steps) {
          now += s.dt;
          const state = b.state(now);
          if (s.kind === 'trip') {
            b.trip(now, s.forMs);
            probes = 0;
            continue;
          }
          const admitted = b.tryAcquire(now);
          if (state === 'open') expect(admitted).toBe(false);
          if (state === 'closed') expect(admitted).toBe(true);
          if (state === 'half-open' && admitted) probes++;
          expect(probes).toBeLessThanOrEqual(options.halfOpenProbes);
          if (admitted) report(b, s.ok, now);
          if (admitted) probes = 0; // the probe reported its outcome
        }
      }),
    );
  });

  it('property: fewer consecutive failures than the threshold never open it', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 100 }), (outcomes) => {
        const b = new CircuitBreaker(options);
        let run = 0;
        let maxRun = 0;
        for (const ok of outcomes) {
          run = ok ? 0 : run + 1;
          maxRun = Math.max(maxRun, run);
          report(b, ok, 0);
        }
        expect(b.state(0) === 'open').toBe(maxRun >= options.failureThreshold);
      }),
    );
  });
});

function replay(b: CircuitBreaker, steps: Step[], now: () => number, set: (t: number) => void): void {
  for (const s of steps) {
    set(now() + s.dt);
    if (s.kind === 'trip') b.trip(now(), s.forMs);
    else if (b.tryAcquire(now())) report(b, s.ok, now());
  }
}

function report(b: CircuitBreaker, ok: boolean, t: number): void {
  if (ok) b.onSuccess(t);
  else b.onFailure(t);
}
