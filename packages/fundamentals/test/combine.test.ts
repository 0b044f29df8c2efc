import type { FundamentalField, Fundamentals } from '@tickline/core';
import fc from 'fast-check';
import {
  combineFundamentals,
  type CombinationStrategy,
  type ProviderRecord,
} from '../src/combine/combineFundamentals';
import { consensus, lowerMedian, withinTolerance, type Observation } from '../src/combine/consensus';
import { rejectionReason } from '../src/combine/validateField';

const NOW = Date.UTC(2025, 1, 24);
const PROVIDERS = ['fmp', 'yahoo', 'alphavantage'];

function input(
  provider: string,
  fields: Record<string, Partial<FundamentalField>>,
  extra: Partial<Fundamentals> = {},
): ProviderRecord {
  const fetchedAt = NOW - PROVIDERS.indexOf(provider) * 1000;
  const full = Object.fromEntries(
    Object.entries(fields).map(([name, f]) => [name, { value: null, source: provider, fetchedAt, ...f }]),
  );
  return {
    provider,
    fetchedAt,
    record: { symbol: 'AAPL', asOf: NOW, currency: 'USD', fields: full, ...extra },
  };
}

const observations = fc.uniqueArray(
  fc.record({
    provider: fc.constantFrom(...PROVIDERS, 'p4', 'p5'),
    value: fc.double({ min: -1e12, max: 1e12, noNaN: true }),
  }),
  { selector: (o) => o.provider, minLength: 1, maxLength: 5 },
);

describe('consensus arithmetic (properties)', () => {
  it('the lower median is a reported value with at least half the values on each side', () => {
    fc.assert(
      fc.property(observations, (obs) => {
        const m = lowerMedian(obs)!;
        expect(obs).toContainEqual(m);
        expect(obs.filter((o) => o.value <= m.value).length * 2).toBeGreaterThanOrEqual(obs.length);
        expect(obs.filter((o) => o.value >= m.value).length * 2).toBeGreaterThanOrEqual(obs.length - 1);
      }),
    );
  });

  it('agreement means every value is within tolerance of the pick, and the pick is a reported value', () => {
    fc.assert(
      fc.property(observations, (obs) => {
        const outcome = consensus(obs)!;
        if (outcome.agreed) {
          expect(obs).toContainEqual(outcome.pick);
          for (const o of obs)
            expect(withinTolerance(o.value, outcome.pick.value, { relative: 0.05, absolute: 1e-9 })).toBe(
              true,
            );
        } else {
          expect(outcome.outliers.length).toBeGreaterThan(0);
          for (const o of outcome.outliers) expect(obs).toContainEqual(o);
        }
      }),
    );
  });

  it('one wild provider among agreeing ones is named as the outlier, never averaged in', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e9, noNaN: true }),
        fc.array(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { minLength: 2, maxLength: 4 }),
        fc.double({ min: 1.5, max: 1000, noNaN: true }),
        (center, jitters, factor) => {
          const agreeing: Observation[] = jitters.map((j, i) => ({
            provider: `p${i}`,
            value: center * (1 + j),
          }));
          const wild = { provider: 'wild', value: center * factor };
          const outcome = consensus([...agreeing, wild])!;
          expect(outcome.agreed).toBe(false);
          if (!outcome.agreed) expect(outcome.outliers).toContainEqual(wild);
          // The robust center stays with the agreeing majority.
          if (!outcome.agreed) expect(agreeing).toContainEqual(outcome.center);
        },
      ),
    );
  });
});

describe('combineFundamentals (properties)', () => {
  const value = fc.oneof(fc.double({ min: -1e13, max: 1e13, noNaN: true }), fc.constant(null));
  const fieldName = fc.constantFrom('marketCap', 'peRatio', 'dividendYield', 'revenue', 'beta', 'eps');
  const records = fc
    .uniqueArray(fc.constantFrom(...PROVIDERS), { minLength: 1, maxLength: 3 })
    .chain((providers) =>
      fc.tuple(
        ...providers.map((p) =>
          fc
            .dictionary(
              fieldName,
              value.map((v) => ({ value: v })),
            )
            .map((fields) => input(p, fields)),
        ),
      ),
    );
  const strategy = fc.constantFrom<CombinationStrategy>('priority', 'quality', 'consensus');

  it('every combined value is one a provider reported, valid, with that provider and its fetch time', () => {
    fc.assert(
      fc.property(records, strategy, (inputs, strat) => {
        const { record, combination } = combineFundamentals(inputs, { strategy: strat, now: NOW });
        for (const [name, field] of Object.entries(record.fields)) {
          const from = inputs.find((i) => i.provider === field.source)!;
          expect(from.record.fields[name]?.value).toBe(field.value);
          expect(field.fetchedAt).toBe(from.fetchedAt);
          expect(rejectionReason(name, field)).toBeUndefined();
        }
        expect(combination.providersUsed.every((p) => PROVIDERS.includes(p))).toBe(true);
      }),
    );
  });

  it('priority takes the first valid value in order; every impossible value is flagged with its reason', () => {
    fc.assert(
      fc.property(records, (inputs) => {
        const { record, combination } = combineFundamentals(inputs, { now: NOW });
        for (const name of new Set(inputs.flatMap((i) => Object.keys(i.record.fields)))) {
          const valid = inputs.filter((i) => {
            const f = i.record.fields[name];
            return f !== undefined && f.value !== null && rejectionReason(name, f) === undefined;
          });
          expect(record.fields[name]?.source).toBe(valid[0]?.provider);
          const rejected = inputs.filter((i) => {
            const f = i.record.fields[name];
            return f !== undefined && f.value !== null && rejectionReason(name, f) !== undefined;
          });
          const flagged = combination.flags.filter((f) => f.field === name && f.kind === 'rejected');
          expect(flagged.map((f) => f.providers[0])).toEqual(rejected.map((i) => i.provider));
        }
      }),
    );
  });

  it('comparable values that disagree are always flagged, whatever the strategy', () => {
    fc.assert(
      fc.property(records, strategy, (inputs, strat) => {
        const { combination } = combineFundamentals(inputs, { strategy: strat, now: NOW });
        for (const name of new Set(inputs.flatMap((i) => Object.keys(i.record.fields)))) {
          const obs = inputs.flatMap((i) => {
            const f = i.record.fields[name];
            return f && typeof f.value === 'number' && rejectionReason(name, f) === undefined
              ? [{ provider: i.provider, value: f.value }]
              : [];
          });
          const outcome = consensus(obs);
          const flagged = combination.flags.some((f) => f.field === name && f.kind === 'disagreement');
          expect(flagged).toBe(outcome !== undefined && !outcome.agreed);
        }
      }),
    );
  });
});

describe('combineFundamentals (examples)', () => {
  const fmp = input('fmp', {
    marketCap: { value: 3.5e12 },
    peRatio: { value: 34.8, period: 'TTM' },
    sector: { value: 'Technology' },
  });
  const yahoo = input('yahoo', {
    marketCap: { value: 3.52e12 },
    peRatio: { value: 38.9, period: 'TTM' },
    dividendYield: { value: 0.0041, unit: 'fraction' },
  });
  const av = input('alphavantage', {
    marketCap: { value: 3.51e12 },
    peRatio: { value: -12, period: 'TTM' },
    dividendYield: { value: 4.1, unit: 'fraction' },
  });

  it('consensus picks the lower median where providers agree, and priority with a flag where they do not', () => {
    const { record, combination } = combineFundamentals([fmp, yahoo, av], {
      strategy: 'consensus',
      now: NOW,
    });
    expect(record.fields.marketCap).toMatchObject({ value: 3.51e12, source: 'alphavantage' });
    expect(record.fields.peRatio).toMatchObject({ value: 34.8, source: 'fmp' });
    expect(combination.flags.find((f) => f.kind === 'disagreement')?.message).toBe(
      'peRatio: providers disagree beyond 5 %: fmp 34.8 TTM, yahoo 38.9 TTM (outside: yahoo); used fmp',
    );
  });

  it('rejects impossible values with the reason and serves the next provider', () => {
    const { record, combination } = combineFundamentals([av, yahoo], { now: NOW });
    expect(record.fields.peRatio?.source).toBe('yahoo');
    expect(record.fields.dividendYield?.source).toBe('yahoo');
    expect(combination.flags.filter((f) => f.kind === 'rejected').map((f) => f.message)).toEqual([
      'alphavantage: peRatio must be above 0 and at most 1000, got -12',
      'alphavantage: dividendYield must be between 0 and 100 %, got 410 %',
    ]);
  });

  it('never compares figures of different periods or currencies, and says so', () => {
    const quarter = input('fmp', { revenue: { value: 94e9, period: '2025 Q3' } });
    const ttm = input('yahoo', { revenue: { value: 395e9, period: 'TTM' } }, { currency: 'USD' });
    const cny = input('alphavantage', { revenue: { value: 2800e9, period: 'TTM' } }, { currency: 'CNY' });
    const { record, combination } = combineFundamentals([quarter, ttm, cny], {
      strategy: 'consensus',
      now: NOW,
    });
    expect(record.fields.revenue).toMatchObject({ value: 94e9, period: '2025 Q3', source: 'fmp' });
    expect(combination.flags.map((f) => f.kind)).toEqual(['incomparable']);
    const viaYahoo = combineFundamentals([cny, ttm], { now: NOW });
    expect(viaYahoo.record.currency).toBe('CNY');
    expect(combineFundamentals([ttm, cny], { now: NOW }).record.fields.revenue?.currency).toBeUndefined();
    expect(
      combineFundamentals([quarter, cny], { strategy: 'quality', now: NOW }).record.fields.revenue,
    ).toBeDefined();
  });

  it('quality prefers the more complete, fresher snapshot', () => {
    const sparse = input('fmp', { beta: { value: 1.1 } });
    const rich = input('yahoo', {
      beta: { value: 1.3 },
      marketCap: { value: 1e12 },
      peRatio: { value: 20 },
      sector: { value: 'Tech' },
    });
    expect(
      combineFundamentals([sparse, rich], { strategy: 'quality', now: NOW }).record.fields.beta?.source,
    ).toBe('yahoo');
    expect(
      combineFundamentals([sparse, rich], { strategy: 'priority', now: NOW }).record.fields.beta?.source,
    ).toBe('fmp');
  });
});
