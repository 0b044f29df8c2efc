import fc from 'fast-check';
import { ProviderError } from '@tickline/providers';
import { floorTime, type Bar } from '@tickline/core';
import {
  alignRange,
  chunkBars,
  fetchTimeframe,
  parseBackfillRequest,
  planChunks,
  REPAIR_REVISION,
  repairRequests,
  requestId,
  retryDelay,
  type BackfillRequest,
} from '../src';

const T0 = Date.UTC(2026, 0, 1);
const base: BackfillRequest = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', from: T0, to: T0 + 1 };

describe('planChunks', () => {
  it('covers the aligned range with contiguous chunks of whole target bars, ids deterministic and unique', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('1m', '5m', '1h', '4h', '1d' as const),
        fc.integer({ min: 0, max: 40 * 86_400_000 }),
        fc.integer({ min: 1, max: 5 * 86_400_000 }),
        fc.integer({ min: 3_600_000, max: 3 * 86_400_000 }),
        (timeframe, offset, length, chunkMs) => {
          const request = { ...base, timeframe, from: T0 + offset, to: T0 + offset + length };
          const chunks = planChunks(request, '1m', chunkMs);
          const { from, to } = alignRange(timeframe, request.from, request.to);
          expect(chunks[0]!.from).toBe(from);
          expect(chunks.at(-1)!.to).toBe(to);
          chunks.forEach((chunk, i) => {
            if (i > 0) expect(chunk.from).toBe(chunks[i - 1]!.to);
            expect(floorTime(timeframe, chunk.from)).toBe(chunk.from);
            expect(chunk.to).toBeGreaterThan(chunk.from);
          });
          expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
          expect(planChunks(request, '1m', chunkMs)).toEqual(chunks);
        },
      ),
    );
  });

  it('gives the same id to requests that align to the same bars, another to a pinned provider or a repair', () => {
    const id = requestId({ ...base, from: T0, to: T0 + 60_000 });
    expect(requestId({ ...base, from: T0 + 5, to: T0 + 59_999 })).toBe(id);
    expect(requestId({ ...base, from: T0, to: T0 + 60_000, provider: 'binance' })).not.toBe(id);
    expect(
      requestId({ ...base, from: T0, to: T0 + 60_000, repair: { cause: 'stale', from: T0, to: T0 + 5 } }),
    ).not.toBe(id);
  });
});

describe('fetchTimeframe', () => {
  it('fetches the target when served, else the coarsest finer one that divides it, or what is asked', () => {
    expect(fetchTimeframe({ timeframe: '1h' }, () => true)).toBe('1h');
    expect(fetchTimeframe({ timeframe: '1w' }, (tf) => tf !== '1w')).toBe('1d');
    expect(fetchTimeframe({ timeframe: '4h' }, (tf) => tf === '1m')).toBe('1m');
    expect(fetchTimeframe({ timeframe: '1h', rollupFrom: '1m' }, () => true)).toBe('1m');
    expect(fetchTimeframe({ timeframe: '1h', rollupFrom: '7m' as never }, () => true)).toBeUndefined();
    expect(fetchTimeframe({ timeframe: '1h' }, () => false)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it('grows exponentially up to the cap and never waits less than the provider asked', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.option(fc.integer({ min: 0, max: 600_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (attempts, retryAfterMs, r) => {
          const error = new ProviderError('RATE_LIMITED', 'x', { retryAfterMs });
          const delay = retryDelay(attempts, error, 1000, 300_000, () => r);
          const exponential = Math.min(300_000, 1000 * 2 ** (attempts - 1));
          expect(delay).toBeGreaterThanOrEqual(Math.max(retryAfterMs ?? 0, Math.round(exponential / 2)));
          expect(delay).toBeLessThanOrEqual(Math.max(retryAfterMs ?? 0, exponential));
        },
      ),
    );
  });
});

const bar = (start: number, over: Partial<Bar> = {}): Bar => ({
  venue: 'binance',
  symbol: 'BTCUSDT',
  timeframe: '1m',
  start,
  open: 100,
  high: 101,
  low: 99,
  close: 100.5,
  volume: 2,
  trades: 3,
  vwap: 100.2,
  final: true,
  revision: 0,
  quality: { score: 1, flags: [] },
  source: 'binance:raw',
  ...over,
});

describe('chunkBars', () => {
  const chunk = planChunks({ ...base, from: T0, to: T0 + 5 * 60_000 }, '1m', 86_400_000)[0]!;

  it('keeps the closed bars inside the chunk and scores them (an inconsistent bar is flagged, not dropped)', () => {
    const fetched = [bar(T0 - 60_000), bar(T0), bar(T0 + 60_000, { high: 99.5 }), bar(T0 + 4 * 60_000)];
    const out = chunkBars(chunk, fetched, { now: T0 + 4 * 60_000 + 59_999, repairPenalty: 0.05 });
    expect(out.map((b) => b.start)).toEqual([T0, T0 + 60_000]);
    expect(out[0]!.quality).toEqual({ score: 1, flags: [] });
    expect(out[1]!.quality.flags.map((f) => f.code)).toEqual(['ohlc']);
  });

  it('gives repaired bars the repair revision and a repaired flag that lowers the score', () => {
    const repairChunk = { ...chunk, repair: { cause: 'reconnect', from: T0 + 1000, to: T0 + 2000 } };
    const [repaired] = chunkBars(repairChunk, [bar(T0)], { now: T0 + 86_400_000, repairPenalty: 0.05 });
    expect(repaired).toMatchObject({ revision: REPAIR_REVISION, final: true, source: 'binance:raw' });
    expect(repaired!.quality.score).toBeCloseTo(0.95);
    expect(repaired!.quality.flags).toEqual([
      { code: 'repaired', penalty: 0.05, detail: 'reconnect gap repaired from binance:raw' },
    ]);
  });
});

describe('repairRequests', () => {
  it('asks the venue itself for every symbol and timeframe of a gap', () => {
    const gap = {
      venue: 'binance',
      symbols: ['BTCUSDT', 'ETHUSDT'],
      cause: 'sequence',
      from: T0 + 10,
      to: T0 + 70_000,
    };
    const requests = repairRequests(gap, ['1m', '1h']);
    expect(requests).toHaveLength(4);
    expect(requests[0]).toEqual({
      venue: 'binance',
      symbol: 'BTCUSDT',
      timeframe: '1m',
      from: T0 + 10,
      to: T0 + 70_000,
      provider: 'binance',
      repair: { cause: 'sequence', from: T0 + 10, to: T0 + 70_000 },
    });
    expect(repairRequests({ ...gap, venue: 'coinbase' }, ['1m'])[0]!.provider).toBeUndefined();
    expect(repairRequests({ ...gap, to: gap.from }, ['1m'])).toEqual([]);
  });

  it('refuses what is not a gap, quoting it', () => {
    expect(() => repairRequests({ venue: 'binance', from: 5, to: 'soon' }, ['1m'])).toThrow(
      /not a gap record: \{"venue"/,
    );
  });
});

describe('request bounds', () => {
  it('refuses a range past the era or longer than the timeframe allows, before planning a chunk', () => {
    const farTo = Date.parse('+275760-09-13T00:00:00Z');
    const started = Date.now();
    expect(() => parseBackfillRequest({ ...base, to: farTo })).toThrow(
      /to: must be a whole epoch ms from 1900/,
    );
    expect(() => parseBackfillRequest({ ...base, to: T0 + 400 * 86_400_000 })).toThrow(
      /to: the range spans more than 366 days/,
    );
    expect(Date.now() - started).toBeLessThan(100);
    expect(parseBackfillRequest({ ...base, timeframe: '1d', from: 0, to: T0 }).to).toBe(T0);
  });
});
