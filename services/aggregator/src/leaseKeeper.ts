import { Lease, leaseKey, messageOf, type ConsumerLogger, type RedisClient } from '@tickline/bus';
import { instrumentId, type InstrumentRef } from '@tickline/core';

export interface LeaseKeeperOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  /** Who shares the instruments (the consumer group): names the lease and member keys. */
  readonly owner: string;
  readonly instruments: readonly InstrumentRef[];
  /** This instance's token, unique per process (it is the leases' value). */
  readonly token: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  /** Starts the work on an instrument once its lease is held. */
  readonly start: (instrument: InstrumentRef) => Promise<void>;
  /** Ends that work (finishing what is in flight) before its lease is released, or once it was lost. */
  readonly stop: (instrument: InstrumentRef) => Promise<void>;
  readonly log: ConsumerLogger;
}

interface Held {
  readonly instrument: InstrumentRef;
  readonly lease: Lease;
  /** Until when the lease surely holds (from the start of its last successful renewal). */
  validUntil: number;
}

/**
 * Shares instruments between the instances of a service through one Redis lease per instrument. Every
 * `renewMs` an instance renews its leases (work whose lease was lost or ran out stops), counts the live
 * instances (a sorted set of members with expiry times), gives back what exceeds its fair share
 * ceil(instruments / instances) gracefully, and takes free leases up to that share. A killed instance's
 * leases expire after `leaseMs` and the others take its instruments over in their next round.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private readonly membersKey: string;
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.membersKey = `${options.prefix}:lease-members:${options.owner}`;
  }

  /** The instruments this instance works on now. */
  get instruments(): InstrumentRef[] {
    return [...this.held.values()].map((h) => h.instrument);
  }

  /** Runs a first round (so a lone instance works at once), then keeps renewing in the background. */
  async start(): Promise<void> {
    if (this.loop) return;
    await this.round();
    this.loop = this.run();
  }

  /** Ends the rounds, stops every work, releases the leases and leaves the members. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await this.drop([...this.held.keys()], true);
    await this.options.redis.zrem(this.membersKey, this.options.token).catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.renewMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.stopping) return;
      try {
        await this.round();
      } catch (error) {
        this.options.log.warn('aggregator leases: round failed', { error: messageOf(error) });
      }
    }
  }

  /** One round: renew, count members, shed what exceeds the fair share, take free leases up to it. */
  async round(): Promise<void> {
    await this.renew();
    const share = Math.ceil(this.options.instruments.length / (await this.members()));
    const excess = [...this.held.keys()].slice(share);
    if (excess.length > 0) await this.drop(excess, true);
    await this.take(share);
  }

  private async renew(): Promise<void> {
    const lost: string[] = [];
    await Promise.all(
      [...this.held].map(async ([id, held]) => {
        const at = Date.now();
        try {
          if (await held.lease.hold()) held.validUntil = at + this.options.leaseMs;
          else lost.push(id);
        } catch (error) {
          // Redis is unreachable: the lease may still be ours until it runs out.
          if (Date.now() >= held.validUntil) lost.push(id);
          this.options.log.warn('aggregator leases: renewal failed', {
            instrument: id,
            error: messageOf(error),
          });
        }
      }),
    );
    if (lost.length > 0) {
      this.options.log.warn('aggregator leases: lost, stopping their work', { instruments: lost });
      await this.drop(lost, false);
    }
  }

  /** Live instances, this one included (a member entry expires unless refreshed within a lease time). */
  private async members(): Promise<number> {
    const { redis, token, leaseMs } = this.options;
    const now = Date.now();
    const [, , count] = await Promise.all([
      redis.zadd(this.membersKey, now + leaseMs, token),
      redis.zremrangebyscore(this.membersKey, '-inf', now),
      redis.zcard(this.membersKey),
    ]);
    return Math.max(1, count);
  }

  private async take(share: number): Promise<void> {
    const { instruments, redis, prefix, owner, token, leaseMs } = this.options;
    const offset = Math.floor(Math.random() * instruments.length); // instances start at different places
    for (let i = 0; i < instruments.length && this.held.size < share && !this.stopping; i++) {
      const instrument = instruments[(offset + i) % instruments.length]!;
      const id = instrumentId(instrument);
      if (this.held.has(id)) continue;
      const lease = new Lease(redis, leaseKey(prefix, owner, instrument), token, leaseMs);
      const at = Date.now();
      if (!(await lease.hold())) continue;
      this.held.set(id, { instrument, lease, validUntil: at + leaseMs });
      try {
        await this.options.start(instrument);
        this.options.log.info('aggregator leases: took instrument', { instrument: id });
      } catch (error) {
        this.options.log.warn('aggregator leases: could not start, releasing', {
          instrument: id,
          error: messageOf(error),
        });
        await this.drop([id], true);
      }
    }
  }

  /** Stops the work of `ids` in parallel; releases their leases when `release` (graceful). */
  private async drop(ids: readonly string[], release: boolean): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const held = this.held.get(id);
        if (!held) return;
        try {
          await this.options.stop(held.instrument);
        } catch (error) {
          this.options.log.warn('aggregator leases: stopping failed', {
            instrument: id,
            error: messageOf(error),
          });
        }
        this.held.delete(id);
        if (release) await held.lease.release().catch(() => undefined); // else it expires by itself
      }),
    );
  }
}
