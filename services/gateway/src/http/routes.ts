import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RedisClient } from '@tickline/bus';
import type { TicklineConfig } from '@tickline/config';
import { SymbolSchema } from '@tickline/core';
import type { Registry } from 'prom-client';
import type { Scope } from '../auth';
import { badParam, GatewayError } from '../gatewayError';
import type { PipelineReader } from '../pipeline/pipelineReader';
import { enqueueBackfill, parseBackfillBody, type BackfillRequest } from './backfillRequest';
import type { BackfillPort } from './backfillPort';
import { parseBarsQuery } from './barsQuery';
import { writeBarsResponse, type BarStores } from './barsRoute';
import { listInstruments } from './instrumentsList';
import { GATEWAY_OPENAPI } from './openapi';
import { callerOf, clientGone, guardsOf, shownUpstream } from './requestGuard';
import { readJsonBody, sendJson } from './respond';

/**
 * Fundamentals of one symbol (the fundamentals package's service, wired in by packages/cli's
 * serviceRegistry): the value, or why not (`invalid` answers 400, `unavailable` 503).
 */
export interface FundamentalsLookup {
  getFundamentals(
    symbol: string,
  ): Promise<{ readonly value: unknown } | { readonly invalid: string } | { readonly unavailable: string }>;
}

/** What the HTTP routes read from. */
export interface HttpDeps {
  readonly config: TicklineConfig;
  readonly redis: RedisClient;
  readonly stores: BarStores;
  readonly metrics: Registry;
  readonly pipeline: PipelineReader;
  /** Absent: `/v1/fundamentals/:symbol` answers 503 until a fundamentals source is wired in. */
  readonly fundamentals: FundamentalsLookup | undefined;
  /** Absent: `POST /v1/backfill` appends to the `<prefix>:backfill:requests` stream. */
  readonly backfill: BackfillPort | undefined;
  readonly maxBodyBytes: number;
}

export interface RouteRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly deps: HttpDeps;
}

/** One HTTP route; `path` is in OpenAPI form (`/v1/fundamentals/{symbol}`). */
export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** `public`: no token needed. */
  readonly scope: Scope | 'public';
  handle(request: RouteRequest): Promise<void>;
}

/** Every API route; the dashboard's static files are served apart (staticFiles.ts). */
export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/healthz',
    scope: 'public',
    handle: async ({ res, deps }) => {
      const redis = await deps.redis.ping().then(
        () => 'ok',
        (error: unknown) => `unreachable: ${(error as Error).message}`,
      );
      sendJson(res, redis === 'ok' ? 200 : 503, { status: redis === 'ok' ? 'ok' : 'degraded', redis });
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    scope: 'public',
    handle: async ({ res, deps }) => {
      const body = await deps.metrics.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' });
      res.end(body);
    },
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    scope: 'public',
    handle: ({ res }) => Promise.resolve(sendJson(res, 200, GATEWAY_OPENAPI)),
  },
  {
    method: 'GET',
    path: '/v1/bars',
    scope: 'read',
    handle: ({ req, res, url, deps }) => {
      const query = parseBarsQuery(url.searchParams);
      return guardsOf(deps).limit.run(callerOf(req), () =>
        writeBarsResponse(res, deps.stores, query, clientGone(res)),
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/instruments',
    scope: 'read',
    handle: async ({ res, deps }) => {
      const instruments = await listInstruments(deps.redis, deps.config.prefix, deps.config.instruments);
      sendJson(res, 200, { instruments });
    },
  },
  {
    method: 'GET',
    path: '/v1/fundamentals/{symbol}',
    scope: 'read',
    handle: async ({ req, res, params, deps }) => {
      const symbol = SymbolSchema.safeParse(params['symbol'] ?? '');
      if (!symbol.success) throw badParam('symbol', symbol.error.issues[0]?.message ?? 'not a symbol');
      const lookup = deps.fundamentals;
      if (lookup === undefined) {
        throw new GatewayError(
          'UNAVAILABLE',
          'the fundamentals service is not available yet in this gateway: use `tickline fundamentals SYMBOL` meanwhile',
        );
      }
      const { limit, scrub } = guardsOf(deps);
      const found = await limit.run(callerOf(req), () => lookup.getFundamentals(symbol.data));
      // Provider texts (failures, the reason none answered) are shown scrubbed and cut, never verbatim.
      if ('invalid' in found) throw badParam('symbol', shownUpstream(found.invalid, scrub));
      if ('unavailable' in found)
        throw new GatewayError('UNAVAILABLE', shownUpstream(found.unavailable, scrub));
      sendJson(res, 200, scrubbedJson(found.value, scrub));
    },
  },
  {
    method: 'POST',
    path: '/v1/backfill',
    scope: 'operator',
    handle: async ({ req, res, deps }) => {
      const request = parseBackfillBody(await readJsonBody(req, deps.maxBodyBytes), Date.now());
      const port = deps.backfill;
      if (port !== undefined)
        return sendJson(
          res,
          202,
          await guardsOf(deps).limit.run(callerOf(req), () => queueOnService(port, request)),
        );
      const queued = await enqueueBackfill(deps.redis, deps.config.prefix, request);
      sendJson(res, 202, {
        status: 'queued',
        requestId: request.requestId,
        ...queued,
        request,
        note: 'queued on the backfill request stream (no backfill service wired into this gateway)',
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/pipeline',
    scope: 'read',
    handle: async ({ res, deps }) => sendJson(res, 200, await deps.pipeline.read()),
  },
  {
    method: 'GET',
    path: '/v1/stream',
    scope: 'public',
    handle: () =>
      Promise.reject(
        new GatewayError(
          'UPGRADE_REQUIRED',
          'this is the WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)',
        ),
      ),
  },
];

/** `value` with every string scrubbed (a failure's message quotes a provider; the source cut it already). */
function scrubbedJson(value: unknown, scrub: (text: string) => string): unknown {
  return JSON.parse(JSON.stringify(value), (_key, field: unknown) =>
    typeof field === 'string' ? scrub(field) : field,
  );
}

/** Hands the request to the backfill service; what it refuses is a 400 saying why. */
async function queueOnService(port: BackfillPort, request: BackfillRequest) {
  const { venue, symbol, timeframe, from, to, provider } = request;
  const order = { venue, symbol, timeframe, from, to, ...(provider === undefined ? {} : { provider }) };
  const queued = await port.enqueue(order);
  if ('refused' in queued) {
    throw new GatewayError(
      'BAD_REQUEST',
      `the backfill service refused the request: ${queued.refused}`,
      'body',
    );
  }
  return {
    status: queued.existed ? 'exists' : 'queued',
    requestId: queued.id,
    chunks: queued.chunks,
    request: order,
  };
}

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

const compiled: readonly CompiledRoute[] = ROUTES.map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
});

/** The route for a method and path, with its path parameters; 404 or 405 otherwise. */
export function matchRoute(
  method: string,
  pathname: string,
): { route: Route; params: Record<string, string> } {
  const byPath = compiled.filter((c) => c.pattern.test(pathname));
  if (byPath.length === 0) throw new GatewayError('NOT_FOUND', `no route ${pathname} (see /v1/openapi.json)`);
  const wanted = method === 'HEAD' ? 'GET' : method;
  const hit = byPath.find((c) => c.route.method === wanted);
  if (hit === undefined) {
    const allowed = byPath.map((c) => c.route.method).join(', ');
    throw new GatewayError('METHOD_NOT_ALLOWED', `${method} ${pathname} is not allowed; allowed: ${allowed}`);
  }
  const values = hit.pattern.exec(pathname)!.slice(1);
  const params: Record<string, string> = {};
  hit.names.forEach((name, i) => {
    try {
      params[name] = decodeURIComponent(values[i]!);
    } catch {
      throw new GatewayError('BAD_REQUEST', `${name}: not a valid URL-encoded value`, name);
    }
  });
  return { route: hit.route, params };
}
