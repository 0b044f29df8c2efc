import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@tickline/runtime';
import { authorizeRequest, type GatewayTokens } from '../auth';
import type { GatewayMetrics } from '../gatewayMetrics';
import { GatewayError } from '../gatewayError';
import { checkOrigin } from '../originPolicy';
import { authorizeQueues, createQueueDashboard, isQueuesPath, QUEUES_PATH } from './queueDashboard';
import { matchRoute, type HttpDeps } from './routes';
import { sendError } from './respond';
import { isStaticPath, serveStatic } from './staticFiles';

export interface HttpHandlerOptions {
  readonly deps: HttpDeps;
  readonly tokens: GatewayTokens;
  readonly origins: ReadonlySet<string>;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
}

type Dashboard = ReturnType<typeof createQueueDashboard>;

/**
 * Dispatches one request: dashboard files; the queue dashboard (Bull Board, operator scope) under
 * /admin/queues; else an API route after the Origin and token checks.
 */
async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpHandlerOptions,
  queues: Dashboard | undefined,
): Promise<string> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const method = req.method ?? 'GET';
  if ((method === 'GET' || method === 'HEAD') && isStaticPath(url.pathname)) {
    await serveStatic(url.pathname, res, method === 'HEAD');
    return 'static';
  }
  if (isQueuesPath(url.pathname)) {
    checkOrigin(req, options.origins);
    if (authorizeQueues(req, res, url, options.tokens)) return QUEUES_PATH;
    if (queues === undefined) {
      throw new GatewayError(
        'UNAVAILABLE',
        'no queues to show: the gateway runs without the backfill queues',
      );
    }
    await queues(req, res);
    return QUEUES_PATH;
  }
  const { route, params } = matchRoute(method, url.pathname);
  checkOrigin(req, options.origins);
  if (route.scope !== 'public') authorizeRequest(req, route.scope, options.tokens);
  await route.handle({ req, res, url, params, deps: options.deps });
  return route.path;
}

/** The gateway's `request` listener. Errors become JSON error responses; 5xx are logged (never a token). */
export function createHttpHandler(
  options: HttpHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const queues = options.deps.backfill?.queues;
  const dashboard = queues && queues.length > 0 ? createQueueDashboard(queues) : undefined;
  return (req, res) => {
    dispatch(req, res, options, dashboard)
      .then((route) => options.metrics.httpRequests.inc({ route, status: String(res.statusCode) }))
      .catch((error: unknown) => {
        if (res.headersSent) {
          options.logger.warn({ err: error, path: req.url?.split('?')[0] }, 'gateway: response cut short');
          res.destroy();
          return;
        }
        sendError(res, error);
        if (res.statusCode >= 500 && res.statusCode !== 503) {
          options.logger.error({ err: error, path: req.url?.split('?')[0] }, 'gateway: request failed');
        }
        options.metrics.httpRequests.inc({ route: 'error', status: String(res.statusCode) });
      });
  };
}
