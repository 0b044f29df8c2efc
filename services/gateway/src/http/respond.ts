import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../gatewayError';

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** The error as its JSON body; anything not a GatewayError is a 500 whose details stay in the log. */
export function sendError(res: ServerResponse, error: unknown): void {
  const known = error instanceof GatewayError ? error : new GatewayError('INTERNAL', 'internal error');
  const headers: Record<string, string> = {
    ...(known.status === 401 ? { 'www-authenticate': 'Bearer realm="tickline"' } : {}),
    ...(known.retryAfterSec === undefined ? {} : { 'retry-after': String(known.retryAfterSec) }),
  };
  sendJson(res, known.status, known.toJSON(), headers);
}

/** Writes `text` and waits for the socket to take it when its buffer is full (a slow reader holds us back). */
export function writeText(res: ServerResponse, text: string): Promise<void> {
  if (res.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const drained = () => {
      res.off('close', closed);
      resolve();
    };
    const closed = () => {
      res.off('drain', drained);
      reject(new Error('the client went away'));
    };
    res.once('drain', drained);
    res.once('close', closed);
  });
}

/** The request body as JSON, at most `limit` bytes; 400/413 otherwise. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  // Exactly application/json, parameters allowed: `application/json-patch` and the like are other formats.
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new GatewayError('BAD_REQUEST', 'the body must be JSON (content-type: application/json)', 'body');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new GatewayError('PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`, 'body');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (error) {
    throw new GatewayError('BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message}`, 'body');
  }
}
