// Lua for the shared rate limiter. Each rule is a log of grants: a sorted set (member =
// `<id>:<weight>`) plus the running sum of their weights. A grant's score is when it stopped being in
// flight: while its request is out, a lease deadline in the future; once `complete` reports the reply,
// the Redis time of that report. A grant leaves a rule of window W only when its score is more than W
// ago, so each request is counted over [granted, replied + W]: every instant at which the provider can
// have counted it (after the grant, before the reply), plus a window. That makes the limit hold for a
// provider counting in fixed windows of any alignment as well as in sliding ones, whatever the latency
// and the offset between the provider's clock and Redis's (see docs/backfill.md, "Rate limits").
// A rule may also hold what the provider itself last reported (a usage header, `seen`): its count at
// the reply of grant R, plus every grant of ours that may have reached it after that count (ended at
// or after R's grant), is again an upper bound of its count from then on, for fixed and sliding
// windows alike; a grant fits when either bound leaves room. For a venue counting in fixed windows this
// lets a burst start as soon as a reply shows the venue's window rolled over, instead of one window
// after our own oldest grant. Time comes from Redis, so the clocks of the calling hosts never matter.
// The log and sum of a rule get the same TTL on every write, so they vanish together. KEYS[1] is the
// pushed-back "blocked until" key; then a (log, sum, seen) triple per rule. Bookings of weight the
// provider reported beyond ours are members `seen:<id>:<weight>`.

const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function weightOf(member) return tonumber(string.match(member, ':(%d+)$')) end
-- Drops the grants that left the window (score < now - window: times are whole ms, so a grant
-- replied at score may have been counted up to 1 ms later); returns the weight still inside it.
local function expire(log, sumKey, window, ttl)
  local cutoff = '(' .. (now - window)
  local old = redis.call('ZRANGEBYSCORE', log, '-inf', cutoff)
  local sum = tonumber(redis.call('GET', sumKey) or '0')
  if #old > 0 then
    for _, member in ipairs(old) do sum = sum - weightOf(member) end
    redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
    if redis.call('ZCARD', log) == 0 then sum = 0 end
    redis.call('SET', sumKey, sum, 'PX', ttl)
    redis.call('PEXPIRE', log, ttl)
  end
  return sum
end
-- The provider's count at its last reported reply plus our grants it may not have counted then (ended at
-- or after that reply's grant; not the reply's own grant, not bookings of reported weight); nil when
-- nothing was reported within the window.
local function reported(log, seenKey, window)
  local seen = redis.call('HMGET', seenKey, 'used', 'grantedAt', 'repliedAt', 'member')
  if not seen[1] or tonumber(seen[3]) < now - window then return nil end
  local total = tonumber(seen[1])
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', log, seen[2], '+inf')) do
    if member ~= seen[4] and string.sub(member, 1, 5) ~= 'seen:' then total = total + weightOf(member) end
  end
  return total
end
local function add(log, sumKey, ttl, score, member, weight)
  redis.call('ZADD', log, score, member)
  redis.call('INCRBY', sumKey, weight)
  redis.call('PEXPIRE', log, ttl)
  redis.call('PEXPIRE', sumKey, ttl)
end
`;

/**
 * ARGV: weight, grant id, lease ms, then windowMs and limit per rule. Returns {waitMs, nowMs}: waitMs 0
 * means granted (in flight in every rule until completed or the lease ends); otherwise the least time
 * after which a retry can succeed (grants still in flight are assumed to reply at once).
 */
export const ACQUIRE_SCRIPT = `${PRELUDE}
local weight = tonumber(ARGV[1])
local member = ARGV[2] .. ':' .. ARGV[1]
local lease = tonumber(ARGV[3])
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked > now then return {blocked - now, now} end
local wait = 0
local rules = (#KEYS - 1) / 3
for i = 1, rules do
  local log, sumKey, seenKey = KEYS[3 * i - 1], KEYS[3 * i], KEYS[3 * i + 1]
  local window, limit = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local sum = expire(log, sumKey, window, window + lease + 1)
  local venue = nil
  if sum + weight > limit then venue = reported(log, seenKey, window) end
  if sum + weight > limit and (venue == nil or venue + weight > limit) then
    -- Earliest end first: the wait ends when enough grants have left the window.
    local need, freed, ends = sum + weight - limit, 0, window + 1
    local entries = redis.call('ZRANGE', log, 0, -1, 'WITHSCORES')
    for j = 1, #entries, 2 do
      freed = freed + weightOf(entries[j])
      if freed >= need then ends = math.min(tonumber(entries[j + 1]), now) + window + 1 - now break end
    end
    -- While replies are due, the next report may show room sooner: look again shortly.
    if venue ~= nil and redis.call('ZCOUNT', log, '(' .. now, '+inf') > 0 then ends = math.min(ends, 25) end
    if ends > wait then wait = ends end
  end
end
if wait > 0 then return {wait, now} end
for i = 1, rules do
  local window = tonumber(ARGV[2 + 2 * i])
  add(KEYS[3 * i - 1], KEYS[3 * i], window + lease + 1, now + lease, member, weight)
end
return {0, now}
`;

/**
 * A granted request got its reply (or failed): its grant now ends at the current Redis time, unless it
 * already left the log. With the provider's reported usage for a rule, that report is kept (the one of
 * the latest grant wins) and weight it reports beyond what the rule holds is booked now.
 * ARGV: the member, its grant time, an id for such a booking, then windowMs and used (-1: none) per rule.
 */
export const COMPLETE_SCRIPT = `${PRELUDE}
local member, grantedAt, seenId = ARGV[1], tonumber(ARGV[2]), ARGV[3]
for i = 1, #KEYS / 3 do
  local log, sumKey, seenKey = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  local window, used = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local ttl = math.max(redis.call('PTTL', log), window + 1)
  if redis.call('ZADD', log, 'XX', 'CH', now, member) == 1 then
    redis.call('PEXPIRE', log, ttl)
    redis.call('PEXPIRE', sumKey, ttl)
  end
  if used >= 0 then
    if grantedAt >= tonumber(redis.call('HGET', seenKey, 'grantedAt') or '-1') then
      redis.call('HSET', seenKey, 'used', used, 'grantedAt', grantedAt, 'repliedAt', now, 'member', member)
      redis.call('PEXPIRE', seenKey, window)
    end
    local missing = used - expire(log, sumKey, window, ttl)
    if missing > 0 then add(log, sumKey, ttl, now, 'seen:' .. seenId .. ':' .. missing, missing) end
  end
end
return now
`;

/**
 * Reconciles one rule with the usage the provider reports (e.g. X-MBX-USED-WEIGHT-1M): weight used
 * elsewhere (another IP user, a process without this limiter) is booked as a grant replied now, so
 * every process sees the smaller budget. ARGV: used, grant id, windowMs. Returns the weight added.
 */
export const OBSERVE_SCRIPT = `${PRELUDE}
local used = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
local ttl = math.max(redis.call('PTTL', KEYS[1]), window + 1)
local sum = expire(KEYS[1], KEYS[2], window, ttl)
local missing = used - sum
if missing <= 0 then return 0 end
add(KEYS[1], KEYS[2], ttl, now, ARGV[2] .. ':' .. missing, missing)
return missing
`;

/** Blocks every grant for ARGV[1] ms from now, unless already blocked for longer. Returns the block end. */
export const PUSH_BACK_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= untilMs then return current end
redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[1]))
return untilMs
`;
