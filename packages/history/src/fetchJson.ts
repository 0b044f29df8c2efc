import {
  httpGet,
  parseJson,
  ProviderError,
  type HttpReply,
  type ProviderGate,
  type UsageReport,
} from '@tickline/providers';
import type { z } from 'zod';

/** What every history provider takes. Fields with a default give it in brackets. */
export interface HistoryProviderOptions {
  /** Origin the documented paths are appended to, e.g. `https://api.binance.com` or a mock's. */
  restUrl: string;
  /** Breaker, shared rate limit and health of this provider. */
  gate: ProviderGate;
  /** Per request, ms [15000]. */
  timeoutMs?: number;
  /** [globalThis.fetch] */
  fetch?: typeof fetch;
}

export interface JsonCall<S extends z.ZodType> {
  provider: string;
  url: string;
  weight: number;
  schema: S;
  headers?: Record<string, string>;
  /** Values never to show in errors (keys sent in headers). */
  secrets?: readonly string[];
  /** The provider's usage headers of a 2xx reply, handed to the shared limit as it completes the grant. */
  usage?: (reply: HttpReply) => readonly UsageReport[];
  /** Sees every 2xx reply before its body is read (usage headers). */
  onReply?: (reply: HttpReply) => Promise<void> | void;
  /** Looks at the parsed body before validation; throws to turn it into an error (rate-limit notes). */
  inspect?: (body: unknown) => void;
  signal?: AbortSignal;
}

/**
 * One GET through the provider's gate (breaker, shared rate limit, health): the reply is parsed as
 * JSON and validated with `schema`; a body of another shape is a BAD_RESPONSE naming the field.
 */
export function fetchJson<S extends z.ZodType>(
  options: HistoryProviderOptions,
  call: JsonCall<S>,
): Promise<z.output<S>> {
  return options.gate.run(
    call.weight,
    async (replied) => {
      const reply = await httpGet({
        provider: call.provider,
        url: call.url,
        headers: call.headers,
        secrets: call.secrets,
        timeoutMs: options.timeoutMs ?? 15000,
        fetch: options.fetch,
        signal: call.signal,
      });
      replied(call.usage?.(reply));
      await call.onReply?.(reply);
      const body = parseJson(call.provider, reply);
      call.inspect?.(body);
      const parsed = call.schema.safeParse(body);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      throw new ProviderError(
        'BAD_RESPONSE',
        `${call.provider}: GET ${reply.safeUrl} returned an unexpected body${where}: ${issue?.message ?? 'invalid'}`,
        { provider: call.provider, status: reply.status },
      );
    },
    call.signal,
  );
}
