// The mock's answers to control messages, as Binance gives them (web-socket-streams.md, "Live
// Subscribing/Unsubscribing" and "Error Messages"; the `{"error":{...},"id":..}` wrapping as seen on
// the wire). Pure: text and connection state in, reply text and effect out.

export const METHODS = [
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'LIST_SUBSCRIPTIONS',
  'SET_PROPERTY',
  'GET_PROPERTY',
] as const;

export interface ControlState {
  /** Current subscriptions, in subscription order. */
  streams: readonly string[];
  combined: boolean;
  maxStreams: number;
}

export interface ControlOutcome {
  reply: string;
  /** The new subscription list, when it changed. */
  streams?: string[];
  combined?: boolean;
}

type Id = number | string | null;

const STREAM = /^[a-z0-9_]+@[A-Za-z0-9_@.:+-]+$|^![A-Za-z0-9_@.:+-]+$/;
const STRING_ID = /^[A-Za-z0-9]{1,36}$/;

export function errorReply(code: number, msg: string, id: Id): string {
  return JSON.stringify({ error: { code, msg }, id });
}

export function resultReply(result: unknown, id: Id): string {
  return JSON.stringify({ result, id });
}

/** Serde reports columns 1-based after the offending token; this is close enough for a mock. */
function invalidJson(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message)?.[1];
  const column = position === undefined ? (text.trim() === '' ? 1 : text.length) : Number(position) + 1;
  return errorReply(3, `Invalid JSON: expected value at line 1 column ${column}`, null);
}

export function handleControl(text: string, state: ControlState): ControlOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reply: invalidJson(text, error as Error) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reply: errorReply(2, 'Invalid request: expected a JSON object', null) };
  }
  const request = value as Record<string, unknown>;
  const id = request.id;
  const validId =
    id === null ||
    (typeof id === 'number' && Number.isSafeInteger(id)) ||
    (typeof id === 'string' && STRING_ID.test(id));
  if (!validId)
    return { reply: errorReply(2, 'Invalid request: request ID must be an unsigned integer', null) };
  const method = request.method;
  if (method === undefined) {
    return {
      reply: errorReply(2, `Invalid request: missing field \`method\` at line 1 column ${text.length}`, id),
    };
  }
  if (typeof method !== 'string' || !(METHODS as readonly string[]).includes(method)) {
    const shown = typeof method === 'string' ? method : JSON.stringify(method);
    const at = text.indexOf(JSON.stringify(method)) + JSON.stringify(method).length;
    const expected = METHODS.map((m) => `\`${m}\``).join(', ');
    return {
      reply: errorReply(
        2,
        `Invalid request: unknown variant \`${shown}\`, expected one of ${expected} at line 1 column ${at}`,
        id,
      ),
    };
  }
  return dispatch(method as (typeof METHODS)[number], request.params, id, state);
}

function dispatch(
  method: (typeof METHODS)[number],
  params: unknown,
  id: Id,
  state: ControlState,
): ControlOutcome {
  switch (method) {
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
      return changeStreams(method, params, id, state);
    case 'LIST_SUBSCRIPTIONS':
      return { reply: resultReply([...state.streams], id) };
    case 'SET_PROPERTY':
    case 'GET_PROPERTY':
      return property(method, params, id, state);
  }
}

function changeStreams(
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE',
  params: unknown,
  id: Id,
  state: ControlState,
): ControlOutcome {
  if (!Array.isArray(params) || params.some((p) => typeof p !== 'string')) {
    return { reply: errorReply(2, 'Invalid request: invalid type: expected a sequence of stream names', id) };
  }
  const names = params as string[];
  const bad = names.find((name) => !STREAM.test(name));
  if (bad !== undefined) return { reply: errorReply(2, `Invalid request: invalid stream name ${bad}`, id) };
  let streams: string[];
  if (method === 'SUBSCRIBE') {
    streams = [
      ...state.streams,
      ...names.filter((n, i) => !state.streams.includes(n) && names.indexOf(n) === i),
    ];
    if (streams.length > state.maxStreams) return { reply: errorReply(4, 'Too many subscriptions', id) };
  } else {
    streams = state.streams.filter((s) => !names.includes(s));
  }
  return { reply: resultReply(null, id), streams };
}

function property(
  method: 'SET_PROPERTY' | 'GET_PROPERTY',
  params: unknown,
  id: Id,
  state: ControlState,
): ControlOutcome {
  const list = Array.isArray(params) ? (params as unknown[]) : [];
  const arity = method === 'SET_PROPERTY' ? 2 : 1;
  if (list.length > arity) return { reply: errorReply(2, 'Invalid request: too many parameters', id) };
  if (typeof list[0] !== 'string')
    return { reply: errorReply(2, 'Invalid request: property name must be a string', id) };
  if (list[0] !== 'combined') return { reply: errorReply(0, 'Unknown property', id) };
  if (method === 'GET_PROPERTY') return { reply: resultReply(state.combined, id) };
  if (typeof list[1] !== 'boolean')
    return { reply: errorReply(1, 'Invalid value type: expected Boolean', id) };
  return { reply: resultReply(null, id), combined: list[1] };
}
