import { createHash } from 'node:crypto';
import type { RedisClient } from './redisClient';
import { hashTagOf } from './keys';
import { formatPosition, parsePosition } from './consumerPositions';
import { messageOf } from './consumerEntries';
import { compareRecordPositions, type RecordPosition } from './streamId';

export interface CheckpointerOptions {
  readonly redis: RedisClient;
  /** The checkpoint hash, normally `streamKeys(prefix).checkpoint(consumer, instrument)`. */
  readonly key: string;
  /** The input stream whose entries a commit acknowledges. */
  readonly stream: string;
  /** The input stream's consumer group. */
  readonly group: string;
}

/** What was last committed. */
export interface Checkpoint {
  readonly state: Buffer;
  /** The last record consumed. */
  readonly position: RecordPosition;
  /** Commits so far (a fencing counter, handy in logs). */
  readonly commits: number;
  /** Epoch ms of the commit. */
  readonly at: number;
}

/** An entry a commit appends to an output stream of the same hash tag. */
export interface OutputEntry {
  readonly stream: string;
  /** Explicit entry id (must be above the stream's last id, else the whole commit is refused); default `*`. */
  readonly id?: string;
  readonly fields: Readonly<Record<string, string | Buffer>>;
}

export interface CommitRequest {
  /** The position this state was built from (the last load or commit); undefined when nothing was committed. */
  readonly expected: RecordPosition | undefined;
  readonly position: RecordPosition;
  readonly state: Buffer | string;
  readonly outputs?: readonly OutputEntry[];
  /** Input entry ids to XACK (entries fully consumed up to `position`). */
  readonly ack?: readonly string[];
  /**
   * Allow `position` equal to `expected`: a commit that adds outputs without consuming input (the aggregator's
   * end-of-replay flush). The compare-and-set still refuses it when the position moved, but it does not fence
   * an instance holding the same position: use it only where one instance owns the stream (a replay).
   */
  readonly samePosition?: boolean;
  /**
   * The commit count this state was built from (0 when nothing was committed). When given, any commit made
   * meanwhile refuses this one, also one at the same position: the fence for `samePosition` commits.
   */
  readonly expectedCommits?: number;
}

export type CommitResult =
  | { readonly committed: true; readonly commits: number; readonly outputIds: readonly string[] }
  | {
      readonly committed: false;
      readonly reason: 'stale';
      /** The position committed by someone else meanwhile: reload and go on from there. */
      readonly current: RecordPosition | undefined;
    }
  | { readonly committed: false; readonly reason: 'output-id'; readonly stream: string; readonly id: string };

// KEYS: checkpoint hash, input stream, output streams (one per output entry).
// ARGV: expected position ('' = none), new position, state, group, time, expected commit count ('' = any),
//       ack count, ack ids...,
//       then per output: id ('*' = auto), field count, field, value, ...
// Everything is checked before the first write, so a refused commit writes nothing.
const COMMIT_SCRIPT = `
local function after(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  if not ams or not bms then return false end
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  return ams > bms or (ams == bms and aseq > bseq)
end
local current = redis.call('HGET', KEYS[1], 'pos') or ''
if current ~= ARGV[1] then return {'stale', current} end
if ARGV[6] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'commits') or '0') ~= tonumber(ARGV[6]) then
  return {'stale', current}
end
local nack = tonumber(ARGV[7])
local first = 8 + nack
local tops = {}
local i = first
for k = 3, #KEYS do
  local id = ARGV[i]
  if id ~= '*' then
    local top = tops[KEYS[k]]
    if top == nil and redis.call('EXISTS', KEYS[k]) == 1 then
      local info = redis.call('XINFO', 'STREAM', KEYS[k])
      for x = 1, #info, 2 do if info[x] == 'last-generated-id' then top = info[x + 1] end end
    end
    if top ~= nil and not after(id, top) then return {'output-id', KEYS[k], id} end
    tops[KEYS[k]] = id
  end
  i = i + 2 + 2 * tonumber(ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'pos', ARGV[2], 'state', ARGV[3], 'at', ARGV[5])
local commits = redis.call('HINCRBY', KEYS[1], 'commits', 1)
if nack > 0 then redis.call('XACK', KEYS[2], ARGV[4], unpack(ARGV, 8, 7 + nack)) end
local result = {'ok', commits}
i = first
for k = 3, #KEYS do
  local n = tonumber(ARGV[i + 1])
  result[#result + 1] = redis.call('XADD', KEYS[k], ARGV[i], unpack(ARGV, i + 2, i + 1 + 2 * n))
  i = i + 2 + 2 * n
end
return result
`;
const COMMIT_SHA = createHash('sha1').update(COMMIT_SCRIPT).digest('hex');

/**
 * Commits a consumer's state, its input position, its output entries and the acknowledgement of its input
 * entries in one Lua script (all keys in the instrument's hash tag, so it is one slot on Redis Cluster).
 * Compare-and-set on the previous position (and optionally the commit count) fences out a stale consumer
 * whose entries were reclaimed.
 */
export class Checkpointer {
  constructor(private readonly options: CheckpointerOptions) {
    if (hashTagOf(options.key) !== hashTagOf(options.stream)) {
      throw new Error(`checkpoint ${options.key} and stream ${options.stream} must share a hash tag`);
    }
  }

  async load(): Promise<Checkpoint | undefined> {
    const hash = await this.options.redis.hgetallBuffer(this.options.key);
    const pos = hash.pos?.toString();
    if (!pos) return undefined;
    return {
      state: hash.state ?? Buffer.alloc(0),
      position: parsePosition(pos),
      commits: Number(hash.commits?.toString() ?? 0),
      at: Number(hash.at?.toString() ?? 0),
    };
  }

  async commit(request: CommitRequest): Promise<CommitResult> {
    const { expected, position } = request;
    const order = expected ? compareRecordPositions(position, expected) : 1;
    if (expected && (order < 0 || (order === 0 && request.samePosition !== true))) {
      throw new Error(
        `checkpoint position ${formatPosition(position)} does not advance ${formatPosition(expected)}`,
      );
    }
    const reply = (await this.run(this.keysOf(request), this.argsOf(request))) as (string | number)[];
    const [kind, ...rest] = reply;
    if (kind === 'ok')
      return { committed: true, commits: Number(rest[0]), outputIds: rest.slice(1).map(String) };
    if (kind === 'stale') {
      const current = String(rest[0] ?? '');
      return { committed: false, reason: 'stale', current: current ? parsePosition(current) : undefined };
    }
    return { committed: false, reason: 'output-id', stream: String(rest[0]), id: String(rest[1]) };
  }

  private keysOf(request: CommitRequest): string[] {
    const outputs = (request.outputs ?? []).map((output) => output.stream);
    const tag = hashTagOf(this.options.key);
    const foreign = outputs.find((stream) => hashTagOf(stream) !== tag);
    if (foreign) throw new Error(`output stream ${foreign} is outside the checkpoint's hash tag {${tag}}`);
    return [this.options.key, this.options.stream, ...outputs];
  }

  private argsOf(request: CommitRequest): (string | Buffer)[] {
    const ack = request.ack ?? [];
    const args: (string | Buffer)[] = [
      request.expected ? formatPosition(request.expected) : '',
      formatPosition(request.position),
      request.state,
      this.options.group,
      String(Date.now()),
      request.expectedCommits === undefined ? '' : String(request.expectedCommits),
      String(ack.length),
      ...ack,
    ];
    for (const output of request.outputs ?? []) {
      const fields = Object.entries(output.fields);
      args.push(output.id ?? '*', String(fields.length), ...fields.flat());
    }
    return args;
  }

  /** EVALSHA, falling back to EVAL (which caches the script) when the server does not know it yet. */
  private async run(keys: string[], args: (string | Buffer)[]): Promise<unknown> {
    const { redis } = this.options;
    try {
      return await redis.evalsha(COMMIT_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      if (!messageOf(error).startsWith('NOSCRIPT')) throw error;
      return redis.eval(COMMIT_SCRIPT, keys.length, ...keys, ...args);
    }
  }
}
