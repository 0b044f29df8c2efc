// The Alpaca mock's answers to client messages, as Alpaca gives them (docs.alpaca.markets/docs/
// streaming-market-data; ../shared/protocols/venues.md §3). Pure: a decoded message and connection
// state in, reply items and effects out.
import { ALPACA_ERRORS } from './alpacaErrors';
import { CRYPTO_REPLY_CHANNELS, STOCK_CHANNELS, STOCK_REPLY_CHANNELS } from './alpacaMessages';

export type Subscriptions = Record<string, string[]>;
/** `insufficient`: the plan does not cover this feed; `connectionLimit`: the key's slot is taken. */
export type AuthVerdict = 'ok' | 'failed' | 'insufficient' | 'connectionLimit';

export interface ControlState {
  crypto: boolean;
  authenticated: boolean;
  subscriptions: Subscriptions;
  maxSymbols: number;
  /** Checks a key pair; `connectionLimit` when another connection of that key is open on this endpoint. */
  authenticate: (key: unknown, secret: unknown) => AuthVerdict;
}

export interface ControlOutcome {
  reply: Array<Record<string, unknown>>;
  authenticated?: boolean;
  subscriptions?: Subscriptions;
  /** Alpaca closes the connection after this reply (auth failure, connection limit). */
  close?: boolean;
}

const SYMBOL = /^(\*|[A-Z0-9][A-Za-z0-9./-]{0,20})$/;

export function errorItem(code: number): Record<string, unknown> {
  return { T: 'error', code, msg: ALPACA_ERRORS.get(code)?.msg ?? 'internal error' };
}

const error = (code: number, close = false): ControlOutcome => ({
  reply: [errorItem(code)],
  ...(close ? { close } : {}),
});

/** The subscription reply: the full current set, every channel of the feed, in Alpaca's order. */
export function subscriptionItem(crypto: boolean, subscriptions: Subscriptions): Record<string, unknown> {
  const channels = crypto ? CRYPTO_REPLY_CHANNELS : STOCK_REPLY_CHANNELS;
  return {
    T: 'subscription',
    ...Object.fromEntries(channels.map((c) => [c, [...(subscriptions[c] ?? [])]])),
  };
}

export function handleControl(message: unknown, state: ControlState): ControlOutcome {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return error(400);
  const request = message as Record<string, unknown>;
  switch (request.action) {
    case 'auth': {
      if (state.authenticated) return error(403);
      const verdict = state.authenticate(request.key, request.secret);
      if (verdict === 'failed') return error(402, true);
      if (verdict === 'connectionLimit') return error(406, true);
      if (verdict === 'insufficient') return error(409, true);
      return { reply: [{ T: 'success', msg: 'authenticated' }], authenticated: true };
    }
    case 'subscribe':
    case 'unsubscribe':
      if (!state.authenticated) return error(401);
      return changeSubscriptions(request, request.action, state);
    default:
      return error(400);
  }
}

function changeSubscriptions(
  request: Record<string, unknown>,
  action: 'subscribe' | 'unsubscribe',
  state: ControlState,
): ControlOutcome {
  const allowed: readonly string[] = state.crypto ? CRYPTO_REPLY_CHANNELS : STOCK_CHANNELS;
  const next: Subscriptions = structuredClone(state.subscriptions);
  for (const [channel, value] of Object.entries(request)) {
    if (channel === 'action') continue;
    if (!allowed.includes(channel)) return error(400);
    if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || !SYMBOL.test(s)))
      return error(400);
    // Order books are crypto-only; corrections and cancel errors follow trades, not asked for.
    if (channel === 'orderbooks' || channel === 'corrections' || channel === 'cancelErrors')
      return error(410);
    const symbols = value as string[];
    const current = next[channel] ?? [];
    next[channel] =
      action === 'subscribe'
        ? [...current, ...symbols.filter((s, i) => !current.includes(s) && symbols.indexOf(s) === i)]
        : current.filter((s) => !symbols.includes(s));
    if (channel === 'trades' && !state.crypto) {
      next.corrections = [...(next.trades ?? [])];
      next.cancelErrors = [...(next.trades ?? [])];
    }
  }
  const distinct = new Set([...(next.trades ?? []), ...(next.quotes ?? [])].filter((s) => s !== '*'));
  if (distinct.size > state.maxSymbols) return error(405);
  return { reply: [subscriptionItem(state.crypto, next)], subscriptions: next };
}
