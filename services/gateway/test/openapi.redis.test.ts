import { GATEWAY_OPENAPI, ROUTES } from '../src';
import { redisTestContext } from '@tickline/testkit';
import { bearer, call, OPERATOR_TOKEN, startTestGateway, type TestGateway } from './gatewayHarness';

const ctx = redisTestContext('tlgwapi');
let gw: TestGateway;

beforeAll(async () => (gw = await startTestGateway(ctx.prefix)));
afterAll(async () => {
  await gw.close();
  await ctx.cleanup();
});

type Operation = {
  security?: { bearer?: string[] }[];
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};
const paths = GATEWAY_OPENAPI.paths as unknown as Record<string, Record<string, Operation>>;
const documented = Object.entries(paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
);

// Example values a valid request needs, per parameter name.
const EXAMPLES: Record<string, string> = {
  venue: 'binance',
  symbol: 'BTCUSDT',
  timeframe: '1m',
  from: '2024-01-01T00:00:00Z',
  to: '2024-01-01T01:00:00Z',
  source: 'cache',
};
const BODY = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m', from: '2024-01-01', to: '2024-01-02' };

test('is an OpenAPI 3.1 document whose operations are exactly the routes', () => {
  expect(GATEWAY_OPENAPI.openapi).toBe('3.1.0');
  const doc = documented.map((d) => `${d.method} ${d.path}`).sort();
  const routes = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
  expect(doc).toEqual(routes);
});

test('documents the scope each route checks', () => {
  for (const route of ROUTES) {
    const op = paths[route.path]![route.method.toLowerCase()]!;
    const scopes = (op.security ?? []).flatMap((s) => s.bearer ?? []);
    // /v1/stream's plain GET is public (it answers 426); its upgrade needs the read scope.
    const expected = route.scope === 'public' ? (route.path === '/v1/stream' ? ['read'] : []) : [route.scope];
    expect({ route: route.path, scopes }).toEqual({ route: route.path, scopes: expected });
  }
});

test.each(documented.map((d) => [`${d.method} ${d.path}`, d] as const))(
  '%s answers with a documented status and JSON errors',
  async (_, { path, method, op }) => {
    const url = new URL(gw.url + path.replace('{symbol}', 'AAPL'));
    for (const param of op.parameters ?? []) {
      if (param.in === 'query') url.searchParams.set(param.name, EXAMPLES[param.name]!);
    }
    const reply = await call(url.toString(), {
      method,
      headers: bearer(OPERATOR_TOKEN),
      body: op.requestBody === undefined ? undefined : BODY,
    });
    expect(Object.keys(op.responses)).toContain(String(reply.status));
    if (reply.status >= 400) expect(reply.body.error.code).toEqual(expect.any(String));
    if (op.security?.length) {
      const anonymous = await call(url.toString(), {
        method,
        body: op.requestBody === undefined ? undefined : BODY,
      });
      expect(op.responses).toHaveProperty(String(anonymous.status));
      if (path !== '/v1/stream') expect(anonymous.status).toBe(401);
    }
  },
);

test('is served at /v1/openapi.json', async () => {
  const reply = await call(`${gw.url}/v1/openapi.json`);
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual(JSON.parse(JSON.stringify(GATEWAY_OPENAPI)));
});
