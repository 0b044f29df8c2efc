import fc from 'fast-check';
import { formatAge, fundamentalsReport } from '../src/fundamentalsReport';
import type { FundamentalsResult } from '../src/fundamentalsService';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

describe('formatAge', () => {
  it('names at most two units, largest first, never more than the age nor a unit short of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400_000 }), (ms) => {
        const text = formatAge(ms);
        const parts = text.split(' ').map((p) => /^(\d+)([smhd])$/.exec(p));
        expect(parts.length).toBeLessThanOrEqual(2);
        const shown = parts.reduce((sum, m) => sum + Number(m![1]) * UNIT_MS[m![2]!]!, 0);
        const smallest = UNIT_MS[parts.at(-1)![2]!]!;
        expect(shown).toBeLessThanOrEqual(ms);
        expect(ms - shown).toBeLessThan(smallest);
      }),
    );
    expect([formatAge(999), formatAge(61_000), formatAge(3_660_000), formatAge(90_000_000)]).toEqual([
      '0s',
      '1m',
      '1h 1m',
      '1d 1h',
    ]);
  });
});

describe('fundamentalsReport', () => {
  it('sorts fields, gives money its currency and every field its source and age', () => {
    const t = Date.parse('2026-01-05T00:00:00Z');
    const record = {
      symbol: 'SAP',
      asOf: t,
      currency: 'EUR',
      fields: {
        peRatio: { value: 30, unit: 'ratio', period: 'TTM', source: 'yahoo', fetchedAt: t - 5000 },
        marketCap: { value: 2e11, source: 'fmp', fetchedAt: t - 60_000 },
        revenue: { value: 3e10, currency: 'USD', source: 'fmp', fetchedAt: t - 60_000 },
        sector: { value: 'Technology', source: 'fmp', fetchedAt: t - 60_000 },
      },
    };
    const result: FundamentalsResult = {
      symbol: 'SAP',
      served: [
        {
          provider: 'fmp',
          origin: 'stale',
          snapshot: {
            provider: 'fmp',
            symbol: 'SAP',
            fetchedAt: t - 60_000,
            record,
            qualityScore: 1,
            legacy: false,
          },
        },
      ],
      failures: [{ provider: 'fmp', code: 'RATE_LIMITED', message: 'limit' }],
      stale: true,
      combined: {
        record,
        combination: { strategy: 'priority', providersUsed: ['fmp', 'yahoo'], combinedAt: t, flags: [] },
      },
    };
    const report = fundamentalsReport(result, [{ provider: 'alphavantage', reason: 'no API key' }], t);
    expect(report.fields.map((f) => [f.field, f.currency, f.source, f.ageMs])).toEqual([
      ['marketCap', 'EUR', 'fmp', 60_000],
      ['peRatio', undefined, 'yahoo', 5000],
      ['revenue', 'USD', 'fmp', 60_000],
      ['sector', undefined, 'fmp', 60_000],
    ]);
    expect(report).toMatchObject({
      stale: true,
      providers: [{ provider: 'fmp', origin: 'stale', ageMs: 60_000 }],
      failures: [{ provider: 'fmp', code: 'RATE_LIMITED' }],
      skipped: [{ provider: 'alphavantage' }],
    });
  });
});
