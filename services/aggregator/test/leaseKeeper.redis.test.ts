import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lease, leaseKey, silentLogger } from '@tickline/bus';
import { loadConfig } from '@tickline/config';
import { instrumentId, type InstrumentRef } from '@tickline/core';
import { redisTestContext, testRedisClient, waitFor, type RedisTestContext } from '@tickline/testkit';
import type Redis from 'ioredis';
import { LeaseKeeper } from '../src/leaseKeeper';

// Instances share instruments through Redis leases: balanced while both live, a graceful stop hands its
// instruments over at once, a dead instance's are taken over once its leases run out.

const INSTRUMENTS: InstrumentRef[] = Array.from({ length: 7 }, (_, i) => ({
  venue: 'binance',
  symbol: `SYM${i}USDT`,
}));
const LEASE_MS = 600;
const RENEW_MS = 100;
let ctx: RedisTestContext;
let keepers: LeaseKeeper[];
let clients: Redis[];

beforeEach(() => {
  ctx = redisTestContext('tllease');
  keepers = [];
  clients = [];
});
afterEach(async () => {
  await Promise.all(keepers.map((k) => k.stop().catch(() => undefined)));
  clients.filter((c) => c.status !== 'end').forEach((c) => c.disconnect()); // twice leaves a timer
  await ctx.cleanup();
});

/** A keeper whose work is a set of running instrument ids; `working` tells what it runs now. */
function keeper(token: string) {
  const working = new Set<string>();
  const redis = testRedisClient(undefined, { maxRetriesPerRequest: 0, commandTimeout: 500 });
  clients.push(redis);
  const instance = new LeaseKeeper({
    redis,
    prefix: ctx.prefix,
    owner: 'agg',
    instruments: INSTRUMENTS,
    token,
    leaseMs: LEASE_MS,
    renewMs: RENEW_MS,
    log: silentLogger,
    start: (instrument) => Promise.resolve(void working.add(instrumentId(instrument))),
    stop: (instrument) => Promise.resolve(void working.delete(instrumentId(instrument))),
  });
  keepers.push(instance);
  return { keeper: instance, working, redis };
}

const all = INSTRUMENTS.map(instrumentId).sort();
const union = (...sets: Set<string>[]) => sets.flatMap((s) => [...s]).sort();

it('a lease is taken by one token at a time and released only by its holder', async () => {
  const key = leaseKey(ctx.prefix, 'agg', INSTRUMENTS[0]!);
  expect(key).toBe(`${ctx.prefix}:lease:agg:{binance:SYM0USDT}`);
  const a = new Lease(ctx.redis, key, 'A', 5000);
  const b = new Lease(ctx.redis, key, 'B', 5000);
  expect(await a.hold()).toBe(true);
  expect(await b.hold()).toBe(false);
  expect(await a.hold()).toBe(true); // renewal
  expect(await b.release()).toBe(false);
  expect(await b.holder()).toBe('A');
  expect(await a.release()).toBe(true);
  expect(await b.hold()).toBe(true);
  expect(() => new Lease(ctx.redis, key, 'C', 0)).toThrow(/ttlMs must be a positive integer/);
});

it('two instances split the instruments, disjoint and complete, and a graceful stop hands over', async () => {
  const a = keeper('A');
  await a.keeper.start();
  expect(union(a.working)).toEqual(all); // alone, it takes everything at once
  const b = keeper('B');
  await b.keeper.start();
  await waitFor(() => a.working.size === 4 && b.working.size === 3, { what: 'a 4/3 split' });
  expect(union(a.working, b.working)).toEqual(all);
  await a.keeper.stop();
  expect(a.working.size).toBe(0);
  await waitFor(() => b.working.size === INSTRUMENTS.length, { what: 'B taking every instrument' });
  expect(await ctx.redis.zrange(`${ctx.prefix}:lease-members:agg`, 0, -1)).toEqual(['B']);
});

it("a dead instance's instruments are taken over once its leases run out", async () => {
  const a = keeper('A');
  const b = keeper('B');
  await a.keeper.start();
  await b.keeper.start();
  await waitFor(() => a.working.size + b.working.size === INSTRUMENTS.length && b.working.size > 0, {
    what: 'both working',
  });
  const orphaned = [...a.working];
  a.redis.disconnect(); // A dies: no renewal, no release
  const died = Date.now();
  await waitFor(() => b.working.size === INSTRUMENTS.length, { timeoutMs: 5000, what: 'B taking over' });
  // Not before the leases ran out (renewed at most one round before the death).
  expect(Date.now() - died).toBeGreaterThanOrEqual(LEASE_MS - RENEW_MS - 50);
  for (const id of orphaned) expect(b.working.has(id)).toBe(true);
});

it('a config whose renewal is not below the lease time is refused, naming the setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tllease-'));
  try {
    const file = join(dir, 'tickline.json');
    writeFileSync(file, JSON.stringify({ aggregator: { leaseMs: 1000, leaseRenewMs: 1000 } }));
    expect(() => loadConfig({ file, env: {} })).toThrow(
      /aggregator\.leaseRenewMs.*expected leaseRenewMs below leaseMs/s,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
