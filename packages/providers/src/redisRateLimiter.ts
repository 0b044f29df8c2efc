import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { LuaScript } from './luaScript';
import { ProviderError } from './providerError';
import { ACQUIRE_SCRIPT, COMPLETE_SCRIPT, OBSERVE_SCRIPT, PUSH_BACK_SCRIPT } from './rateLimitScripts';
import { validateRules, type RateLimitRule } from './rateLimitRule';

const acquireScript = new LuaScript(ACQUIRE_SCRIPT);
const completeScript = new LuaScript(COMPLETE_SCRIPT);
const observeScript = new LuaScript(OBSERVE_SCRIPT);
const pushBackScript = new LuaScript(PUSH_BACK_SCRIPT);

/** Every field but `redis`, `provider` and `rules` has a default, given in brackets. */
export interface RedisRateLimiterOptions {
  redis: Redis | Cluster;
  /** Key prefix [tl]. */
  prefix?: string;
  /** e.g. `binance`; part of the key. */
  provider: string;
  /** Whose budget: {@link apiKeyId} of the API key, or `ip` for per-IP limits like Binance's ['ip']. */
  keyId?: string;
  rules: readonly RateLimitRule[];
  /** `acquire` gives up (RATE_LIMIT_WAIT_EXCEEDED) rather than wait longer than this in total, ms [120000]. */
  maxWaitMs?: number;
  /**
   * A grant counts as in flight until {@link RedisRateLimiter.complete} reports its reply, or at most
   * this long (a process that died mid-request), ms [60000]. Must exceed the longest request.
   */
  leaseMs?: number;
}

/** Weight a provider says was used in its window of `windowMs` (a usage header of one reply). */
export interface UsageReport {
  used: number;
  windowMs: number;
}

/** A granted request: pass it to `complete` once the provider replied (or the request failed). */
export interface Grant {
  /** Redis time (epoch ms) at which the weight was booked. */
  grantedAt: number;
  /** How long `acquire` waited for it, ms. */
  waitedMs: number;
  /** The booking in the rule logs (`<id>:<weight>`). */
  member: string;
}

/** A stable, non-secret name for an API key: its SHA-256 prefix. The key itself never reaches Redis. */
export function apiKeyId(apiKey: string | undefined): string {
  if (apiKey === undefined || apiKey === '') return 'anonymous';
  return `key-${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}`;
}

/**
 * A rate limit shared by every worker and process using the same Redis, prefix, provider and key:
 * grants are booked atomically in Lua against every rule, so the configured limits hold however many
 * callers race. A grant stays in flight until `complete` (the reply came), then counts for one more
 * window: the provider counted the request at some instant between grant and reply, so no window of
 * the provider's, fixed (any alignment) or sliding, can see more than the limit, whatever the latency. The provider's own signals push the shared budget back: `pushBack` for Retry-After
 * and bans, `observeUsage` for usage headers such as Binance's X-MBX-USED-WEIGHT-1M.
 */
export class RedisRateLimiter {
  readonly rules: readonly RateLimitRule[];
  private readonly blockedKey: string;
  private readonly ruleKeys: string[];
  private readonly maxWaitMs: number;
  private readonly leaseMs: number;
  private readonly idBase = randomBytes(6).toString('hex');
  private sequence = 0;

  constructor(private readonly options: RedisRateLimiterOptions) {
    validateRules(options.provider, options.rules);
    this.rules = options.rules;
    this.maxWaitMs = options.maxWaitMs ?? 120000;
    this.leaseMs = Math.max(1, Math.ceil(options.leaseMs ?? 60000));
    // One hash tag per (provider, key): every key of a limiter lives in one Redis Cluster slot.
    const base = `${options.prefix ?? 'tl'}:ratelimit:{${options.provider}:${options.keyId ?? 'ip'}}`;
    this.blockedKey = `${base}:blocked`;
    this.ruleKeys = options.rules.flatMap((rule) => [
      `${base}:${rule.windowMs}:log`,
      `${base}:${rule.windowMs}:sum`,
      `${base}:${rule.windowMs}:seen`,
    ]);
  }

  /** Waits until `weight` fits in every rule, books it, and resolves; or rejects past `maxWaitMs`. */
  async acquire(weight = 1, signal?: AbortSignal): Promise<Grant> {
    this.checkWeight(weight);
    let waitedMs = 0;
    for (;;) {
      const { waitMs, grantedAt, member } = await this.tryAcquire(weight);
      if (waitMs === 0) return { grantedAt, waitedMs, member };
      if (waitedMs + waitMs > this.maxWaitMs) {
        throw new ProviderError(
          'RATE_LIMIT_WAIT_EXCEEDED',
          `${this.options.provider}: rate limit needs a ${waitMs} ms wait, beyond the ${this.maxWaitMs} ms allowed`,
          { provider: this.options.provider, retryAfterMs: waitMs },
        );
      }
      // A little jitter, so callers woken together do not all retry in the same millisecond.
      const pause = waitMs + Math.floor(Math.random() * 5);
      await sleep(pause, undefined, { signal });
      waitedMs += pause;
    }
  }

  /**
   * One attempt: waitMs 0 means granted at nowMs (Redis time), in flight as `member` until `complete`;
   * otherwise retry after waitMs.
   */
  async tryAcquire(
    weight = 1,
  ): Promise<{ waitMs: number; nowMs: number; grantedAt: number; member: string }> {
    this.checkWeight(weight);
    const id = this.nextId();
    const args: (string | number)[] = [weight, id, this.leaseMs];
    for (const rule of this.rules) args.push(this.windowOf(rule), rule.limit);
    const reply = (await acquireScript.run(
      this.options.redis,
      [this.blockedKey, ...this.ruleKeys],
      args,
    )) as [number, number];
    const nowMs = Number(reply[1]);
    return { waitMs: Number(reply[0]), nowMs, grantedAt: nowMs, member: `${id}:${weight}` };
  }

  /**
   * The request of `grant` got its reply, or failed, or was never sent: from now on it counts for one
   * window more, then frees its weight. Without this it stays in flight until the lease ends.
   * `usage`: what the provider reported in that reply (e.g. X-MBX-USED-WEIGHT-1M), per window; each
   * report for a rule's window is kept as a second bound (see the scripts) and weight it shows beyond
   * what was booked here is booked now, as {@link observeUsage} does. Resolves with the Redis time.
   */
  async complete(
    grant: Pick<Grant, 'member' | 'grantedAt'>,
    usage: readonly UsageReport[] = [],
  ): Promise<number> {
    const args: (string | number)[] = [grant.member, grant.grantedAt, this.nextId()];
    for (const rule of this.rules) {
      const report = usage.find(
        (u) => u.windowMs === rule.windowMs && Number.isFinite(u.used) && u.used >= 0,
      );
      args.push(this.windowOf(rule), report === undefined ? -1 : Math.floor(report.used));
    }
    return Number(await completeScript.run(this.options.redis, this.ruleKeys, args));
  }

  /** Blocks every caller for `ms` (a Retry-After, a ban): the provider said stop, so all processes stop. */
  async pushBack(ms: number): Promise<void> {
    if (!(ms > 0)) return;
    await pushBackScript.run(this.options.redis, [this.blockedKey], [Math.ceil(ms)]);
  }

  /**
   * Tells the limiter how much weight the provider says was used in the rule of `windowMs` (a usage
   * header). When that is more than was booked here, the difference is booked, shrinking everyone's
   * budget. Returns the weight added. Rules of other windows are untouched.
   */
  async observeUsage(used: number, windowMs: number): Promise<number> {
    const index = this.rules.findIndex((rule) => rule.windowMs === windowMs);
    if (index < 0 || !Number.isFinite(used) || used <= 0) return 0;
    const keys = this.ruleKeys.slice(3 * index, 3 * index + 2);
    return Number(
      await observeScript.run(this.options.redis, keys, [
        Math.floor(used),
        `seen:${this.nextId()}`,
        this.windowOf(this.rules[index]!),
      ]),
    );
  }

  private windowOf(rule: RateLimitRule): number {
    return rule.windowMs + (rule.marginMs ?? 0);
  }

  private checkWeight(weight: number): void {
    const smallest = Math.min(...this.rules.map((rule) => rule.limit));
    if (!Number.isSafeInteger(weight) || weight < 1 || weight > smallest) {
      throw new ProviderError(
        'INVALID_OPTIONS',
        `${this.options.provider}: request weight must be a whole number from 1 to ${smallest}, got ${String(weight)}`,
      );
    }
  }

  private nextId(): string {
    return `${this.idBase}-${(this.sequence++).toString(36)}`;
  }
}
