import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import { freePort } from '@tickline/testkit';
import { httpGet, parseJson, parseRetryAfter, ProviderError, redactUrl, REDACTED } from '../src';

const KEY = 'S3CRET-abc+/=';
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/ok') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
    if (path === '/text') return void res.writeHead(200).end('<html>not json</html>');
    if (path === '/429') return void res.writeHead(429, { 'retry-after': '7' }).end('Too Many Requests');
    if (path === '/reset')
      return void res
        .writeHead(429, { 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 30) })
        .end('{}');
    if (path === '/418')
      return void res.writeHead(418, { 'retry-after': '120' }).end('{"code":-1003,"msg":"banned"}');
    if (path === '/401') return void res.writeHead(401).end(`{"message":"bad key ${KEY}"}`);
    if (path === '/400') return void res.writeHead(400).end('{"code":-1121,"msg":"Invalid symbol."}');
    if (path === '/500') return void res.writeHead(500).end();
    // A provider that echoes the request, key and all, then pads its error page.
    if (path === '/echo')
      return void res
        .writeHead(502)
        .end(`Bad gateway for ${req.url ?? ''} (key unknown-to-us) ${'x'.repeat(5000)}`);
    if (path === '/slow') return void setTimeout(() => res.writeHead(200).end('{}'), 2000);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(path: string, timeoutMs = 5000): Promise<ProviderError> {
  const url = `${base}${path}?symbol=IBM&apikey=${encodeURIComponent(KEY)}`;
  const error = await httpGet({ provider: 'test', url, timeoutMs, secrets: [KEY] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  const providerError = error as ProviderError;
  expect(providerError.message).not.toContain(KEY);
  expect(providerError.message).not.toContain(encodeURIComponent(KEY));
  expect(providerError.message).toContain(`apikey=${REDACTED}`);
  return providerError;
}

describe('httpGet', () => {
  it('returns 2xx replies with a redacted URL and parses JSON', async () => {
    const reply = await httpGet({ provider: 'test', url: `${base}/ok?apikey=${KEY}` });
    expect(reply.status).toBe(200);
    expect(reply.safeUrl).not.toContain(KEY);
    expect(parseJson('test', reply)).toEqual({ a: 1 });
    const text = await httpGet({ provider: 'test', url: `${base}/text` });
    expect(() => parseJson('test', text)).toThrow(/not JSON: <html>not json<\/html>/);
  });

  it.each([
    ['/429', 'RATE_LIMITED', 7000, true],
    ['/418', 'BANNED', 120000, true],
    ['/401', 'UNAUTHORIZED', undefined, false],
    ['/400', 'REQUEST_REJECTED', undefined, false],
    ['/500', 'SERVER_ERROR', undefined, true],
  ])('classifies %s as %s, never showing the key', async (path, code, retryAfterMs, retryable) => {
    const error = await failure(path);
    expect(error.code).toBe(code);
    expect(error.retryAfterMs).toBe(retryAfterMs);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(Number(path.slice(1)));
  });

  it('scrubs and caps an upstream body that echoes the request URL, even without the key given', async () => {
    const url = `${base}/echo?symbol=IBM&apikey=${encodeURIComponent(KEY)}`;
    const error = (await httpGet({ provider: 'test', url }).catch((e: unknown) => e)) as ProviderError;
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.message).not.toContain(encodeURIComponent(KEY));
    expect(error.message).toContain(`/echo?symbol=IBM&apikey=${REDACTED}`);
    expect(error.message.length).toBeLessThan(400);
  });

  it('reads the wait of a 429 without Retry-After from X-RateLimit-Reset', async () => {
    const error = await failure('/reset');
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBeGreaterThan(28000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(31000);
  });

  it('times out, and reports refused connections as NETWORK errors', async () => {
    expect((await failure('/slow', 200)).code).toBe('TIMEOUT');
    const port = await freePort();
    const error = (await httpGet({ provider: 'test', url: `http://127.0.0.1:${port}/x?apikey=${KEY}` }).catch(
      (e: unknown) => e,
    )) as ProviderError;
    expect(error.code).toBe('NETWORK');
    expect(error.message).not.toContain(KEY);
  });
});

describe('redactUrl', () => {
  it('property: no credential parameter value survives, other parameters do', () => {
    const value = fc.string({ minLength: 4, maxLength: 30 }).filter((v) => !'redacted[]'.includes(v));
    fc.assert(
      fc.property(
        fc.constantFrom('apikey', 'APIKEY', 'api_key', 'token', 'signature'),
        value,
        (name, secret) => {
          const url = `https://example.com/query?function=X&${name}=${encodeURIComponent(secret)}&symbol=IBM`;
          const safe = redactUrl(url);
          expect(safe).not.toContain(`=${encodeURIComponent(secret)}&`);
          expect(safe).toContain(`${name}=${REDACTED}`);
          expect(safe).toContain('symbol=IBM');
        },
      ),
    );
  });

  it('redacts URL passwords and explicit secrets anywhere', () => {
    expect(redactUrl('https://u:pw@h/x')).not.toContain('pw');
    expect(redactUrl('https://h/v2/bars?x=1', ['bars'])).toBe(`https://h/v2/${REDACTED}?x=1`);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', 0)).toBe(120000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 27, 0))).toBe(60000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2016, 0, 1))).toBe(0);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });

  it('property: whole seconds round-trip to ms', () => {
    fc.assert(fc.property(fc.nat(1_000_000), (s) => expect(parseRetryAfter(String(s), 0)).toBe(s * 1000)));
  });
});
