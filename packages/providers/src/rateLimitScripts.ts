// Lua for the shared rate limiter. Each rule is a sliding-window log: a sorted set of grants (score =
// grant time in Redis TIME ms, member = `<id>:<weight>`) plus the running sum of their weights, so a
// grant costs O(log n) and expiry only touches what expired. Both keys get the same TTL on every write,
// so they always vanish together. Time comes from Redis, so the clocks of the calling hosts never
// matter. KEYS[1] is the pushed-back "blocked until" key; then a (log, sum) pair per rule.

const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function weightOf(member) return tonumber(string.match(member, ':(%d+)$')) end
-- Drops the grants that left the window; returns the weight still inside it.
local function expire(log, sumKey, window)
  local cutoff = now - window
  local old = redis.call('ZRANGEBYSCORE', log, '-inf', cutoff)
  local sum = tonumber(redis.call('GET', sumKey) or '0')
  if #old > 0 then
    for _, member in ipairs(old) do sum = sum - weightOf(member) end
    redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
    if redis.call('ZCARD', log) == 0 then sum = 0 end
    redis.call('SET', sumKey, sum, 'PX', window)
    redis.call('PEXPIRE', log, window)
  end
  return sum
end
local function add(log, sumKey, window, member, weight)
  redis.call('ZADD', log, now, member)
  redis.call('INCRBY', sumKey, weight)
  redis.call('PEXPIRE', log, window)
  redis.call('PEXPIRE', sumKey, window)
end
`;

/**
 * ARGV: weight, grant id, then windowMs and limit per rule. Returns {waitMs, nowMs}: waitMs 0 means
 * granted (and recorded in every rule); otherwise the least time after which a retry can succeed.
 */
export const ACQUIRE_SCRIPT = `${PRELUDE}
local weight = tonumber(ARGV[1])
local member = ARGV[2] .. ':' .. ARGV[1]
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked > now then return {blocked - now, now} end
local wait = 0
local rules = (#KEYS - 1) / 2
for i = 1, rules do
  local log, sumKey = KEYS[2 * i], KEYS[2 * i + 1]
  local window, limit = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local sum = expire(log, sumKey, window)
  if sum + weight > limit then
    -- Oldest grants first: the wait ends when enough of them have left the window.
    local need, freed, ends = sum + weight - limit, 0, window
    local entries = redis.call('ZRANGE', log, 0, -1, 'WITHSCORES')
    for j = 1, #entries, 2 do
      freed = freed + weightOf(entries[j])
      if freed >= need then ends = tonumber(entries[j + 1]) + window - now break end
    end
    if ends > wait then wait = ends end
  end
end
if wait > 0 then return {wait, now} end
for i = 1, rules do
  add(KEYS[2 * i], KEYS[2 * i + 1], tonumber(ARGV[1 + 2 * i]), member, weight)
end
return {0, now}
`;

/**
 * Reconciles one rule with the usage the provider reports (e.g. X-MBX-USED-WEIGHT-1M): weight used
 * elsewhere (another IP user, a process without this limiter) is booked as a grant now, so every
 * process sees the smaller budget. ARGV: used, grant id, windowMs. Returns the weight added.
 */
export const OBSERVE_SCRIPT = `${PRELUDE}
local used = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
local sum = expire(KEYS[1], KEYS[2], window)
local missing = used - sum
if missing <= 0 then return 0 end
add(KEYS[1], KEYS[2], window, ARGV[2] .. ':' .. missing, missing)
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
