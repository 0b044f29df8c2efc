import { createRedis, msgpackCodec, silentBusLogger } from '@tickline/bus';
import { RedisServer, redisTestContext, waitFor } from '@tickline/testkit';
import type { StreamPosition } from '../src/streamCursor';
import { tailStream, type TailEntry, type TailOptions } from '../src/streamTail';

const ctx = redisTestContext('tltail');
/** An entry's fields as publishers write them: version 1, the records msgpack-encoded. */
const entry = (n: number) => ['v', '1', 'd', msgpackCodec.encode([{ n }])] as const;
afterAll(() => ctx.cleanup());

const tailOptions = (signal: AbortSignal, read: Pick<TailOptions, 'blockMs' | 'count'>): TailOptions => ({
  ...read,
  backoff: { initialMs: 10, maxMs: 50 },
  logger: silentBusLogger,
  secrets: [],
  signal,
});

// A reader waiting at the stream's end (its XREAD BLOCK sent with the next batch's script) must still see
// the counters of that batch: entries added and trimmed in one transaction while it waits are a gap.
test('a reader waiting at the end notices entries trimmed before it read them, and reads on after the gap', async () => {
  const key = `${ctx.prefix}:s`;
  const first = await ctx.redis.xadd(key, '*', ...entry(0));
  const reader = ctx.redis.duplicate();
  const abort = new AbortController();
  const entries: TailEntry[] = [];
  const gaps: StreamPosition[] = [];
  const tail = tailStream(
    reader,
    key,
    { cursor: first!, read: 1 },
    {
      onEntry: (entry) => void entries.push(entry),
      onGap: async (position) => {
        gaps.push(position);
        // As if the store filled the gap up to the newest entry: go on after it.
        const [newest] = await ctx.redis.xrevrange(key, '+', '-', 'COUNT', 1);
        return { cursor: newest![0], read: position.read };
      },
    },
    tailOptions(abort.signal, { blockMs: 500, count: 100 }),
  );
  try {
    await new Promise((resolve) => setTimeout(resolve, 200)); // it has read the (empty) rest and waits
    await ctx.redis
      .multi()
      .xadd(key, '*', ...entry(1))
      .xadd(key, '*', ...entry(2))
      .xadd(key, '*', ...entry(3))
      .xtrim(key, 'MAXLEN', 1)
      .exec();
    await waitFor(() => gaps.length > 0, { timeoutMs: 5000, what: 'the gap' });
    expect(gaps).toEqual([{ cursor: first, read: 1 }]);
    // Entries the stream held were never handed on before the gap was dealt with.
    expect(entries).toEqual([]);
    const next = await ctx.redis.xadd(key, '*', ...entry(4));
    await waitFor(() => entries.length > 0, { timeoutMs: 5000, what: 'the entry after the gap' });
    expect(entries.map((e) => [e.id, e.records])).toEqual([[next, [{ n: 4 }]]]);
  } finally {
    abort.abort();
    await tail;
    reader.disconnect();
  }
});

// The batch read is a script called by its hash; a server that forgot it (first use, a restart, SCRIPT
// FLUSH) answers NOSCRIPT, and the reader loads it and goes on. On a server of its own: flushing the
// machine's shared Redis would touch other tests' scripts.
test('a reader goes on, every entry once and in order, after the server forgot its scripts', async () => {
  const server = await RedisServer.start({ appendOnly: false });
  const redis = createRedis({ url: server.url, name: 'tltail-noscript' });
  const reader = redis.duplicate();
  const key = 's';
  const abort = new AbortController();
  const seen: unknown[] = [];
  const tail = tailStream(
    reader,
    key,
    { cursor: '0-0', read: 0 },
    {
      onEntry: (e) => void seen.push(...e.records),
      onGap: () => Promise.reject(new Error('no gap expected')),
    },
    tailOptions(abort.signal, { blockMs: 200, count: 2 }),
  );
  try {
    for (let n = 0; n < 12; n++) {
      if (n % 4 === 0) await redis.script('FLUSH');
      await redis.xadd(key, '*', ...entry(n));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor(() => seen.length === 12, { timeoutMs: 5000, what: 'every entry' });
    expect(seen).toEqual(Array.from({ length: 12 }, (_, n) => ({ n })));
  } finally {
    abort.abort();
    await tail;
    reader.disconnect();
    redis.disconnect();
    await server.destroy();
  }
});
