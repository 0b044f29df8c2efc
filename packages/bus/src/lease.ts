import type { RedisClient } from './redisClient';
import { instrumentTag, type InstrumentRef } from './keys';

// KEYS: lease. ARGV: token, ttl ms. Takes a free lease or extends one's own; 1 when held afterwards.
const HOLD_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

// KEYS: lease. ARGV: token. Deletes the lease only if it is still one's own.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** `<prefix>:lease:<owner>:{venue:SYMBOL}`: one instrument's lease, in the instrument's hash tag. */
export function leaseKey(prefix: string, owner: string, instrument: InstrumentRef): string {
  return `${prefix}:lease:${owner}:${instrumentTag(instrument)}`;
}

/**
 * A time-bound claim on one key (e.g. an instrument) by one holder, identified by a token unique to that
 * holder. Taking and renewing are one script, releasing only deletes one's own lease, and an unrenewed
 * lease expires by itself (a dead holder's work is taken over after at most `ttlMs`). A lease says who
 * should work, not who may write: a holder that lost it may still be finishing a batch, so whatever it
 * writes must be fenced on its own (the checkpoint's compare-and-set does that for CheckpointingConsumer).
 */
export class Lease {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    readonly token: string,
    private readonly ttlMs: number,
  ) {
    if (!Number.isInteger(ttlMs) || ttlMs < 1)
      throw new Error(`lease ${key}: ttlMs must be a positive integer`);
  }

  /** Takes the lease if it is free, extends it if it is ours; false while someone else holds it. */
  async hold(): Promise<boolean> {
    return (await this.redis.eval(HOLD_SCRIPT, 1, this.key, this.token, this.ttlMs)) === 1;
  }

  /** Gives the lease up if it is still ours (a graceful handover); false if it was not. */
  async release(): Promise<boolean> {
    return (await this.redis.eval(RELEASE_SCRIPT, 1, this.key, this.token)) === 1;
  }

  /** The current holder's token, if any. */
  async holder(): Promise<string | undefined> {
    return (await this.redis.get(this.key)) ?? undefined;
  }
}
