import type { RedisClient } from './redisClient';

// KEYS: stream. ARGV: group, name to keep, min idle ms. Atomic, so an entry read between the look and
// the delete cannot be dropped from the pending list with its consumer.
const REMOVE_SCRIPT = `
local removed = {}
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local fields = {}
  for i = 1, #consumer, 2 do fields[consumer[i]] = consumer[i + 1] end
  if fields.name ~= ARGV[2] and tonumber(fields.pending) == 0 and tonumber(fields.idle) >= tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], fields.name)
    removed[#removed + 1] = fields.name
  end
end
return removed
`;

/**
 * Deletes the group's consumers on `stream` that hold no pending entry and were idle at least `minIdleMs`,
 * except `keep`; returns their names. Processes that read under a name of their own (host and pid) leave one
 * consumer behind per restart; deleting one with nothing pending loses nothing, and a live one that reads
 * again is re-created by XREADGROUP.
 */
export async function removeIdleConsumers(
  redis: RedisClient,
  stream: string,
  group: string,
  keep: string,
  minIdleMs: number,
): Promise<string[]> {
  return (await redis.eval(REMOVE_SCRIPT, 1, stream, group, keep, minIdleMs)) as string[];
}
