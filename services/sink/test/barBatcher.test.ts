import type { Bar } from '@tickline/core';
import { BarBatcher, isRetryable } from '../src';
import { StorageError } from '@tickline/storage';

const bar = (start: number) => ({ start }) as unknown as Bar;

describe('BarBatcher', () => {
  it('writes once every participant contributed, as one batch', async () => {
    const writes: number[][] = [];
    const batcher = new BarBatcher({
      write: (bars) => Promise.resolve(void writes.push(bars.map((b) => b.start))),
      maxBars: 100,
      lingerMs: 10_000,
      participants: 2,
    });
    await Promise.all([batcher.add([bar(1), bar(2)]), batcher.add([bar(3)])]);
    expect(writes).toEqual([[1, 2, 3]]);
  });

  it('writes when full, and after the linger time otherwise', async () => {
    const writes: number[][] = [];
    const batcher = new BarBatcher({
      write: (bars) => Promise.resolve(void writes.push(bars.map((b) => b.start))),
      maxBars: 2,
      lingerMs: 20,
      participants: 5,
    });
    await batcher.add([bar(1), bar(2)]);
    const started = Date.now();
    await batcher.add([bar(3)]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(writes).toEqual([[1, 2], [3]]);
  });

  it('rejects every part of a failed batch, and keeps going', async () => {
    let fail = true;
    const batcher = new BarBatcher({
      write: () => (fail ? Promise.reject(new Error('poison')) : Promise.resolve()),
      maxBars: 10,
      lingerMs: 5,
      participants: 2,
    });
    const results = await Promise.allSettled([batcher.add([bar(1)]), batcher.add([bar(2)])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batcher.add([bar(3)])).resolves.toBeUndefined();
  });

  it('writes up to maxInFlight batches at once, the rest in order as writes finish', async () => {
    const running: number[] = [];
    let most = 0;
    const release: (() => void)[] = [];
    const batcher = new BarBatcher({
      write: (bars) =>
        new Promise<void>((resolve) => {
          running.push(bars[0]!.start);
          most = Math.max(most, running.length);
          release.push(() => {
            running.splice(running.indexOf(bars[0]!.start), 1);
            resolve();
          });
        }),
      maxBars: 1,
      lingerMs: 10_000,
      participants: 10,
      maxInFlight: 2,
    });
    const adds = [1, 2, 3, 4].map((start) => batcher.add([bar(start)]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toEqual([1, 2]);
    release.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toEqual([2, 3]);
    while (release.length > 0) {
      release.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(adds);
    expect(most).toBe(2);
  });
});

describe('isRetryable', () => {
  it('holds outages and lock or disk trouble, not bad data', () => {
    expect(
      isRetryable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isRetryable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('deadlock'), { code: '40P01' }))).toBe(true);
    expect(isRetryable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isRetryable(new StorageError('CACHE_LOCKED', 'locked'))).toBe(true);
    expect(isRetryable(new StorageError('CACHE_DISK_FULL', 'full'))).toBe(true);
    expect(isRetryable(new StorageError('CACHE_CORRUPT', 'bad file'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('out of range'), { code: '22003' }))).toBe(false);
    expect(isRetryable(new TypeError('x is undefined'))).toBe(false);
  });
});
