import type { IncomingMessage } from 'node:http';
import { GatewayError } from './gatewayError';

/**
 * Browser requests (they carry Origin) must come from the gateway's own origin or an allowed one, so a
 * page elsewhere cannot drive a user's browser against the gateway. Clients without Origin pass. The gateway's
 * own origin is `http(s)://<Host>`: sound only because every request's Host was checked first (HostPolicy),
 * else a DNS-rebinding page (Host and Origin both evil.example:PORT) would pass as same-origin.
 */
export function checkOrigin(req: IncomingMessage, allowed: ReadonlySet<string>): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (allowed.has(origin)) return;
  const host = req.headers.host;
  if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return;
  throw new GatewayError('FORBIDDEN', `origin ${JSON.stringify(origin)} is not allowed (gateway.origins)`);
}
