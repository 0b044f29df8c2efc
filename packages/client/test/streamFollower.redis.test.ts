import { msgpackCodec, silentBusLogger } from '@tickline/bus';
import { redisTestContext, waitFor } from '@tickline/testkit';
import type { ReaderListener, SharedReader } from '../src/sharedReader';
import { followStream } from '../src/streamFollower';
import type { TailEntry } from '../src/streamTail';

// The follower's rule, pinned with a reader under the test's control: an entry is taken only when nothing
// can lie between the follower's cursor and it; otherwise the follower catches up again from its cursor.
const ctx = redisTestContext('tlfollow');
afterAll(() => ctx.cleanup());
const fields = (n: number) => ['v', '1', 'd', msgpackCodec.encode([{ n }])] as const;

test('an entry whose predecessor the follower never read sends it back to catch up, so nothing is skipped', async () => {
  const key = `${ctx.prefix}:s`;
  const first = (await ctx.redis.xadd(key, '*', ...fields(1)))!;
  await ctx.redis.xadd(key, '*', ...fields(2));
  let listener: ReaderListener | undefined;
  const reader = { listen: (l: ReaderListener) => ((listener = l), () => (listener = undefined)) };
  const abort = new AbortController();
  const seen: unknown[] = [];
  const options = {
    blockMs: 100,
    count: 10,
    backoff: { initialMs: 10, maxMs: 50 },
    logger: silentBusLogger,
    secrets: [],
    signal: abort.signal,
  };
  const source = { key, reader: reader as unknown as SharedReader, commands: ctx.redis, maxBuffered: 10 };
  const handlers = {
    onEntry: (entry: TailEntry) => void seen.push(...entry.records),
    onGap: () => Promise.reject(new Error('no gap here')),
  };
  const following = followStream(source, { cursor: first, read: 1 }, handlers, options);
  await waitFor(() => seen.length === 1, { what: 'the catch-up' });
  // Entries 3 and 4 are added; the reader (having started after 3, as a new reader may) hands on only 4.
  const third = (await ctx.redis.xadd(key, '*', ...fields(3)))!;
  const fourth = (await ctx.redis.xadd(key, '*', ...fields(4)))!;
  listener!.entry({ id: fourth, after: third, read: 4, records: [{ n: 4 }] });
  await waitFor(() => seen.length === 3, { what: 'entries 3 and 4' });
  // An entry already read is passed over; one that follows on is taken as it is.
  listener!.entry({ id: fourth, after: third, read: 4, records: [{ n: 4 }] });
  const fifth = (await ctx.redis.xadd(key, '*', ...fields(5)))!;
  listener!.entry({ id: fifth, after: fourth, read: 5, records: [{ n: 5 }] });
  await waitFor(() => seen.length === 4, { what: 'entry 5' });
  abort.abort();
  await following;
  expect(seen).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
  expect(listener).toBeUndefined();
});
