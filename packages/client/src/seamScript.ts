import { formatStreamId, idAfter, parseStreamId, type RedisClient } from '@tickline/bus';
import { STREAM_START, seamPosition, type StreamPosition } from './streamCursor';

/**
 * Atomically: the first entry the slowest consumer group has not acknowledged (its oldest pending entry, or
 * the id after its last delivered one), the stream's entries-added and length, and how many entries the
 * stream still holds below that entry. Every group acknowledges only what is durably stored (the sink), so
 * everything below it is in the store. KEYS[1] the stream; ARGV[1] `groups`, `all` (ignore groups: from
 * the first entry held) or `from` (from the id in ARGV[2]).
 * Returns { start or false, entries-added, length, below }.
 */
const SEAM_SCRIPT = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {ARGV[2] or false, 0, 0, 0} end
local function field(list, name)
  for i = 1, #list, 2 do if list[i] == name then return list[i + 1] end end
  return false
end
local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function less(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local info = redis.call('XINFO', 'STREAM', key)
local added, len = field(info, 'entries-added'), field(info, 'length')
local start = false
if ARGV[1] == 'all' then return {false, added, len, 0} end
if ARGV[1] == 'from' then start = ARGV[2] end
for _, g in ipairs(ARGV[1] == 'groups' and redis.call('XINFO', 'GROUPS', key) or {}) do
  local keep
  if field(g, 'pending') > 0 then
    keep = redis.call('XPENDING', key, field(g, 'name'))[2]
  else
    local ms, seq = parse(field(g, 'last-delivered-id'))
    keep = string.format('%.0f-%.0f', ms, seq + 1)
  end
  if not start or less(keep, start) then start = keep end
end
if not start then return {false, added, len, 0} end
local below, from = 0, '-'
while true do
  local page = redis.call('XRANGE', key, from, '(' .. start, 'COUNT', 1000)
  below = below + #page
  if #page < 1000 then break end
  from = '(' .. page[#page][1]
end
return {start, added, len, below}
`;

/**
 * Where a bar stream must be read from so that, with a store read after this call, nothing is missed:
 * from the slowest group's first unacknowledged entry (or the first entry held, with `all`). Noted before
 * history is read, it can only reach back further than needed, never skip: the stitcher drops the overlap.
 */
export async function readSeam(
  redis: RedisClient,
  key: string,
  mode: 'groups' | 'all' | { readonly after: string },
): Promise<StreamPosition> {
  const args =
    typeof mode === 'string' ? [mode] : ['from', formatStreamId(idAfter(parseStreamId(mode.after)))];
  const [start, entriesAdded, length, below] = (await redis.eval(SEAM_SCRIPT, 1, key, ...args)) as [
    string | null,
    number,
    number,
    number,
  ];
  return seamPosition({ start: start ?? undefined, entriesAdded, length, below });
}

/** The stream's end: its last id and how many entries were ever added (a live-only start). */
export async function readEnd(redis: RedisClient, key: string): Promise<StreamPosition> {
  let fields: unknown[];
  try {
    fields = (await redis.xinfo('STREAM', key)) as unknown[];
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message))
      return { cursor: STREAM_START, read: 0 };
    throw error;
  }
  const get = (name: string) => fields[fields.indexOf(name) + 1];
  return { cursor: String(get('last-generated-id')), read: Number(get('entries-added')) };
}
