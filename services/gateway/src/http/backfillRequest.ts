import { randomUUID } from 'node:crypto';
import { ENTRY_SCHEMA_VERSION, msgpackCodec, type RedisClient } from '@tickline/bus';
import { isTimeframe, SymbolSchema, VenueSchema } from '@tickline/core';
import { z } from 'zod';
import { badParam } from '../gatewayError';
import type { BackfillOrder } from './backfillPort';
import { checkRange, checkTime, parseTimeParam } from './barsQuery';

/**
 * Until the backfill service consumes requests itself, `POST /v1/backfill` appends them to this stream
 * (`<prefix>:backfill:requests`, one msgpack record per entry in `d`, version in `v`), capped at about
 * MAX_QUEUED entries; the backfill service is to read it with a consumer group.
 */
export const BACKFILL_REQUESTS_SUFFIX = 'backfill:requests';
const MAX_QUEUED = 10_000;

const Body = z.strictObject({
  venue: VenueSchema,
  symbol: SymbolSchema,
  timeframe: z.string().refine(isTimeframe, { error: 'expected a timeframe such as 1m, 1h or 1d' }),
  from: z.union([z.string(), z.number()]),
  to: z.union([z.string(), z.number()]),
  provider: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, { error: 'expected a provider name such as binance' })
    .optional(),
});

/** One queued backfill request, as written to the stream. */
export interface BackfillRequest extends BackfillOrder {
  readonly requestId: string;
  readonly requestedAt: number;
}

const asTime = (value: string | number, name: string) =>
  typeof value === 'number' ? checkTime(value, name) : parseTimeParam(value.trim(), name);

/** The request body checked; a 400 naming the first bad field. */
export function parseBackfillBody(body: unknown, now: number): BackfillRequest {
  const parsed = Body.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badParam(issue.path.join('.') || 'body', issue.message);
  }
  const { from: fromText, to: toText, ...rest } = parsed.data;
  const from = asTime(fromText, 'from');
  const to = asTime(toText, 'to');
  checkRange(rest.timeframe, from, to);
  if (from > now) throw badParam('from', 'is in the future: there is no history to backfill yet');
  return { requestId: randomUUID(), ...rest, from, to, requestedAt: now };
}

/** Appends the request; returns the stream key and entry id. */
export async function enqueueBackfill(
  redis: RedisClient,
  prefix: string,
  request: BackfillRequest,
): Promise<{ stream: string; entryId: string }> {
  const stream = `${prefix}:${BACKFILL_REQUESTS_SUFFIX}`;
  const entryId = await redis.xadd(
    stream,
    'MAXLEN',
    '~',
    String(MAX_QUEUED),
    '*',
    'v',
    String(ENTRY_SCHEMA_VERSION),
    'd',
    msgpackCodec.encode(request),
  );
  return { stream, entryId: entryId as string };
}
