import { z } from 'zod';

// JSON frames of /v1/stream (docs/gateway.md). Clients send subscribe/unsubscribe; the gateway sends
// subscribed/unsubscribed acknowledgements, bar and tick data frames and error frames.

const Id = z
  .string({ error: 'id must be a string' })
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: 'id must be 1-64 letters, digits or _ . : -' });

const BarsSubscribe = z.strictObject({
  op: z.literal('subscribe'),
  id: Id,
  channel: z.literal('bars'),
  instrument: z.string({ error: 'instrument must be "venue:SYMBOL"' }),
  timeframe: z.string({ error: 'timeframe must be a string such as 1m' }),
  from: z.union([z.string(), z.number()], { error: 'from must be epoch ms or ISO-8601' }).optional(),
  partial: z.boolean({ error: 'partial must be true or false' }).optional(),
  source: z
    .enum(['database', 'cache', 'stream'], { error: 'source must be database, cache or stream' })
    .optional(),
});

const TicksSubscribe = z.strictObject({
  op: z.literal('subscribe'),
  id: Id,
  channel: z.literal('ticks'),
  instrument: z.string({ error: 'instrument must be "venue:SYMBOL"' }),
});

const Unsubscribe = z.strictObject({ op: z.literal('unsubscribe'), id: Id });

export type BarsSubscribeFrame = z.infer<typeof BarsSubscribe>;
export type TicksSubscribeFrame = z.infer<typeof TicksSubscribe>;
export type ClientFrame = BarsSubscribeFrame | TicksSubscribeFrame | z.infer<typeof Unsubscribe>;

/** Codes of the gateway's error frames. */
export type StreamErrorCode =
  | 'BAD_FRAME'
  | 'DUPLICATE_ID'
  | 'UNKNOWN_ID'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'INVALID_ARGUMENT'
  | 'SUBSCRIPTION_FAILED'
  | 'UNAVAILABLE'
  | 'SLOW_CONSUMER';

export class FrameError extends Error {
  constructor(
    readonly code: StreamErrorCode,
    message: string,
    readonly id?: string,
  ) {
    super(message);
  }
}

function schemaFor(value: unknown): z.ZodType<ClientFrame> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { op, channel } = value as { op?: unknown; channel?: unknown };
  if (op === 'unsubscribe') return Unsubscribe;
  if (op !== 'subscribe') return undefined;
  if (channel === 'bars') return BarsSubscribe;
  if (channel === 'ticks') return TicksSubscribe;
  return undefined;
}

/** A client's text frame parsed and checked; a FrameError saying what is wrong otherwise. */
export function parseClientFrame(text: string): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError('BAD_FRAME', 'frames must be JSON objects');
  }
  const id = typeof (value as { id?: unknown })?.id === 'string' ? (value as { id: string }).id : undefined;
  const schema = schemaFor(value);
  if (schema === undefined) {
    throw new FrameError(
      'BAD_FRAME',
      'expected {"op":"subscribe","channel":"bars"|"ticks",...} or {"op":"unsubscribe","id":...}',
      id,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new FrameError('BAD_FRAME', `${where}${issue.message}`, id);
  }
  return parsed.data;
}

/** An error frame's text. */
export function errorFrame(code: StreamErrorCode, message: string, id?: string): string {
  return JSON.stringify({ type: 'error', ...(id === undefined ? {} : { id }), code, message });
}
