/**
 * A length trim that counts, atomically, what it destroys for each consumer group (Redis 7.0 has no
 * acknowledged-only trim). KEYS[1] the stream; ARGV[1] the length kept; ARGV[2] `~` or `=`.
 *
 * Why not `lag` alone: on 7.0 a group's `lag` (entries-added - entries-read) is null after XDEL or for a
 * group created mid-stream, and once a group reads past trimmed entries its entries-read grows by one per
 * entry read, so the lag stays inflated by every earlier loss for good (checked with redis-cli). It is
 * used only as a fast path: a valid lag that fits in what survives proves nothing undelivered was cut.
 *
 * Otherwise the entries a group has been delivered among the oldest `excess` ones are counted, in chunks
 * (XRANGE carries payloads; a forced trim is the exception, not the steady state). Pending ids lost are
 * counted from XPENDING between the old and the new first entry (ids only).
 *
 * Returns { removed, group1, pendingLost1, undeliveredLost1, group2, ... }.
 */
export const TRIM_WITH_LOSS_SCRIPT = `
local key = KEYS[1]
local keep = tonumber(ARGV[1])
local len = redis.call('XLEN', key)
local excess = len - keep
if excess <= 0 then return {0} end
local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)[1][1]

local function field(g, name)
  for i = 1, #g, 2 do if g[i] == name then return g[i + 1] end end
  return false
end

local function deliveredAmongOldest(lastDelivered)
  local counted, from = 0, first
  while counted < excess do
    local chunk = redis.call('XRANGE', key, from, lastDelivered, 'COUNT', math.min(256, excess - counted))
    if #chunk == 0 then break end
    counted = counted + #chunk
    from = '(' .. chunk[#chunk][1]
  end
  return counted
end

local groups = {}
for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
  local lag = field(g, 'lag')
  local delivered = excess
  if not (lag and tonumber(lag) <= keep) then
    delivered = deliveredAmongOldest(field(g, 'last-delivered-id'))
  end
  table.insert(groups, { field(g, 'name'), tonumber(field(g, 'pending')), delivered })
end

local removed = redis.call('XTRIM', key, 'MAXLEN', ARGV[2], keep)
local after = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)[1]
local out = { removed }
for _, g in ipairs(groups) do
  local pendingLost = 0
  if g[2] > 0 and removed > 0 then
    local upTo = after and ('(' .. after[1]) or '+'
    pendingLost = #redis.call('XPENDING', key, g[1], first, upTo, g[2])
  end
  -- The removed are the oldest \`removed\` entries (fewer than the excess with '~').
  table.insert(out, g[1])
  table.insert(out, pendingLost)
  table.insert(out, removed - math.min(g[3], removed))
end
return out
`;
