import type { IncomingMessage } from 'node:http';
import { redisTestContext } from '@tickline/testkit';
import { STREAM_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '../../src';
import { authorizeRequest } from '../../src/auth';
import { isLoopbackRequest } from '../../src/hostPolicy';
import { bearer, OPERATOR_TOKEN, READ_TOKEN, startTestGateway, type TestGateway } from '../gatewayHarness';
import { expectHealthy, probe, rawStatus, type ProbeReply } from './connectionProbes';

// Issue 22, probe 4 (DNS rebinding past open mode) and the subprotocol probes of point 6, replayed as an
// attacker sent them: each is refused with a 4xx within a second while /healthz keeps answering.
const ctx = redisTestContext('tlgwhost');
let tokens: TestGateway;
let open: TestGateway;
let named: TestGateway;
const NO_TOKENS = { TICKLINE_GATEWAY_READ_TOKEN: '', TICKLINE_GATEWAY_OPERATOR_TOKEN: '' };

beforeAll(async () => {
  [tokens, open, named] = await Promise.all([
    startTestGateway(`${ctx.prefix}-tokens`),
    startTestGateway(`${ctx.prefix}-open`, NO_TOKENS),
    startTestGateway(`${ctx.prefix}-named`, {
      ...NO_TOKENS,
      TICKLINE_GATEWAY_ALLOWED_HOSTS: 'gateway.example.com,.example.org',
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([tokens.close(), open.close(), named.close()]);
  await ctx.cleanup();
});

const port = (gw: TestGateway) => new URL(gw.url).port;

/** The reply, which must be `status` and come within a second. */
function expectReply(reply: ProbeReply, status: number, body?: RegExp): void {
  expect({ status: reply.status, fast: reply.ms < 1000 }).toEqual({ status, fast: true });
  if (body) expect(reply.body).toMatch(body);
}

describe.each([
  ['both tokens set', () => tokens, bearer(READ_TOKEN)],
  ['no tokens (open mode)', () => open, {}],
])('%s', (_, gateway, auth) => {
  test('probe 4: Host and Origin evil.example:PORT get a 403 on every route and on /v1/stream', async () => {
    const gw = gateway();
    const evil = `evil.example:${port(gw)}`;
    const headers = { ...auth, host: evil, origin: `http://${evil}` };
    for (const path of ['/v1/instruments', '/healthz', '/metrics', '/', '/v1/openapi.json']) {
      expectReply(await probe(gw.url, { path, headers }), 403, /gateway\.allowedHosts/);
    }
    expectReply(await probe(gw.url, { headers, upgrade: true }), 403, /not allowed/);
    // The Host alone is enough to refuse: no Origin (a rebinding page's fetch without CORS), or a foreign one.
    expectReply(await probe(gw.url, { headers: { ...auth, host: evil } }), 403);
    expectReply(await probe(gw.url, { headers: { ...auth, host: evil }, upgrade: true }), 403);
    await expectHealthy(gw.url);
  });

  test('loopback names on any port are served; Origin is the own one only with an allowed Host', async () => {
    const gw = gateway();
    for (const name of ['127.0.0.1', 'localhost', 'LOCALHOST', 'localhost.', '[::1]', 'app.localhost']) {
      const host = `${name}:${port(gw)}`;
      expectReply(await probe(gw.url, { headers: { ...auth, host } }), 200);
      expectReply(await probe(gw.url, { headers: { ...auth, host, origin: `http://${host}` } }), 200);
      expectReply(await probe(gw.url, { headers: { ...auth, host }, upgrade: true }), 101);
    }
    const host = `127.0.0.1:${port(gw)}`;
    for (const origin of [`http://evil.example:${port(gw)}`, 'null', `http://localhost:${port(gw)}`]) {
      expectReply(await probe(gw.url, { headers: { ...auth, host, origin } }), 403, /origin/);
      expectReply(await probe(gw.url, { headers: { ...auth, host, origin }, upgrade: true }), 403);
    }
    await expectHealthy(gw.url);
  });

  test('a missing or malformed Host is a 400', async () => {
    const gw = gateway();
    const none = await rawStatus(gw.url, 'GET /v1/instruments HTTP/1.0\r\n\r\n');
    expect({ ...none, ms: none.ms < 1000 }).toEqual({ status: 400, ms: true });
    for (const host of ['evil example', '127.0.0.1@evil.example', 'localhost:80:80', 'localhost:8o']) {
      expectReply(await probe(gw.url, { headers: { ...auth, host } }), 400, /Host header/);
    }
    expectReply(
      await probe(gw.url, { headers: { ...auth, host: 'a'.repeat(3000) } }),
      403,
      /a{100}\.\.\.\\" is not allowed/,
    );
    await expectHealthy(gw.url);
  });
});

test('open mode serves reads only to a loopback Host: an allowed non-loopback name needs a token', async () => {
  const p = port(named);
  for (const name of ['gateway.example.com', 'example.org', 'desk.example.org']) {
    const host = `${name}:${p}`;
    expectReply(await probe(named.url, { path: '/healthz', headers: { host } }), 200);
    expectReply(await probe(named.url, { headers: { host } }), 401, /loopback/);
    expectReply(await probe(named.url, { headers: { host }, upgrade: true }), 401);
  }
  for (const name of ['localhost', 'badexample.org', 'example.org.evil.example']) {
    expectReply(await probe(named.url, { path: '/healthz', headers: { host: `${name}:${p}` } }), 403);
  }
  // Its listening address stays allowed, and is loopback: open reads there.
  expectReply(await probe(named.url, { headers: { host: `127.0.0.1:${p}` } }), 200);
  await expectHealthy(named.url);
});

test('open mode serves reads only to a loopback peer', () => {
  const request = (remoteAddress: string, host = 'localhost:8080') =>
    ({ headers: { host }, socket: { remoteAddress } }) as unknown as IncomingMessage;
  const openTokens = { openReads: true };
  expect(isLoopbackRequest(request('127.0.0.1'))).toBe(true);
  expect(isLoopbackRequest(request('::ffff:127.0.0.1'))).toBe(true);
  expect(isLoopbackRequest(request('::1', '[::1]:8080'))).toBe(true);
  expect(() => authorizeRequest(request('10.0.0.5'), 'read', openTokens)).toThrow(/loopback/);
  expect(() => authorizeRequest(request('::ffff:192.168.1.9'), 'read', openTokens)).toThrow(/loopback/);
  expect(() => authorizeRequest(request('127.0.0.1', 'rebound.example:8080'), 'read', openTokens)).toThrow();
  expect(authorizeRequest(request('127.0.0.1'), 'read', openTokens)).toBe('read');
});

describe('the subprotocol token (both tokens set)', () => {
  const encoded = Buffer.from(READ_TOKEN).toString('base64url');
  const offer = (...protocols: string[]) => ({ 'sec-websocket-protocol': protocols.join(', ') });

  test('is accepted on the upgrade in its exact form only', async () => {
    expectReply(
      await probe(tokens.url, {
        headers: offer(STREAM_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${encoded}`),
        upgrade: true,
      }),
      101,
    );
    const junk = [
      `${encoded}x`, // base64url decoding ignores a trailing character: once the same token
      `${encoded}.junk`,
      `${encoded}=`,
      `${encoded}==`,
      `${encoded}%00`,
      `${encoded.slice(0, -1)}${encoded.at(-1) === 'A' ? 'B' : 'A'}`, // non-canonical last character or wrong token
    ];
    for (const bad of junk) {
      const reply = await probe(tokens.url, {
        headers: offer(STREAM_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${bad}`),
        upgrade: true,
      });
      expectReply(reply, 401);
      expect(reply.body).not.toContain(READ_TOKEN);
    }
    const twice = offer(
      STREAM_PROTOCOL,
      `${TOKEN_PROTOCOL_PREFIX}${encoded}`,
      `${TOKEN_PROTOCOL_PREFIX}${encoded}`,
    );
    expectReply(await probe(tokens.url, { headers: twice, upgrade: true }), 401, /one subprotocol/);
    const cased = offer(STREAM_PROTOCOL, `Tickline.Bearer.${encoded}`);
    expectReply(await probe(tokens.url, { headers: cased, upgrade: true }), 401);
    await expectHealthy(tokens.url);
  });

  test('authenticates nothing over plain HTTP', async () => {
    const headers = offer(
      STREAM_PROTOCOL,
      `${TOKEN_PROTOCOL_PREFIX}${Buffer.from(OPERATOR_TOKEN).toString('base64url')}`,
    );
    for (const path of ['/v1/instruments', '/v1/pipeline', '/admin/queues']) {
      expectReply(await probe(tokens.url, { path, headers }), 401);
    }
    await expectHealthy(tokens.url);
  });
});
