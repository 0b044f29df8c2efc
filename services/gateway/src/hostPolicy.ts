import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { GatewayError } from './gatewayError';

/**
 * The Host header names the gateway answers to (gateway.allowedHosts). A DNS-rebinding page makes a browser
 * send the attacker's own name as Host (evil.example:PORT) to the gateway's address, and its Origin then looks
 * like the gateway's own: refusing every Host not listed, on every request and upgrade, closes that door.
 * An IP literal cannot be rebound, but is allowed only when listed too (the listening address always is).
 */
export class HostPolicy {
  private readonly exact = new Set<string>();
  private readonly domains: string[] = [];
  private readonly any: boolean;

  constructor(patterns: readonly string[], listenHost: string) {
    this.any = patterns.includes('*');
    for (const pattern of patterns.map((p) => p.toLowerCase())) {
      if (pattern.startsWith('.')) this.domains.push(pattern);
      else this.exact.add(bracketed(pattern));
    }
    if (!WILDCARD_ADDRESSES.has(listenHost)) this.exact.add(bracketed(listenHost.toLowerCase()));
  }

  allows(hostname: string): boolean {
    if (this.any || this.exact.has(hostname)) return true;
    return this.domains.some((domain) => hostname === domain.slice(1) || hostname.endsWith(domain));
  }

  /** Throws a 403 unless the request's Host names an allowed host (a 400 without a usable Host). */
  check(req: IncomingMessage): void {
    const hostname = requestHostname(req);
    if (hostname === undefined) {
      throw new GatewayError('BAD_REQUEST', 'a Host header (name[:port]) is required');
    }
    if (!this.allows(hostname)) {
      throw new GatewayError(
        'FORBIDDEN',
        `host ${JSON.stringify(clip(req.headers.host ?? ''))} is not allowed (gateway.allowedHosts)`,
      );
    }
  }
}

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

/** The request's Host without its port, lower case, IPv6 in brackets; undefined when absent or malformed. */
export function requestHostname(req: IncomingMessage): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d{1,5})?$/i.exec(req.headers.host ?? '');
  const name = match?.[1]?.toLowerCase();
  if (name === undefined) return undefined;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1: names that only ever lead to this machine. */
export function isLoopbackHostname(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]') return true;
  return isIP(hostname) === 4 && hostname.startsWith('127.');
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

/**
 * Open reads (no tokens configured) serve only a request that both names a loopback host and comes from a
 * loopback address: not another machine, and not a browser led there under another name.
 */
export function isLoopbackRequest(req: IncomingMessage): boolean {
  const hostname = requestHostname(req);
  return (
    hostname !== undefined && isLoopbackHostname(hostname) && isLoopbackAddress(req.socket.remoteAddress)
  );
}
