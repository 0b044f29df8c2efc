import { loadConfig } from '@tickline/config';
import { redisTestContext } from '@tickline/testkit';
import { tokensFromConfig } from '../src/gatewayOptions';
import { call, startTestGateway, type TestGateway } from './gatewayHarness';
import { openStream } from './streamClient';

// With no token configured at all, reads are open on a loopback interface only; operator routes never are.
const ctx = redisTestContext('tlgwopen');
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(ctx.prefix, {
    TICKLINE_GATEWAY_READ_TOKEN: '',
    TICKLINE_GATEWAY_OPERATOR_TOKEN: '',
  });
});
afterAll(async () => {
  await gw.close();
  await ctx.cleanup();
});

test('reads need no token on loopback without tokens; backfill still does; the gateway says so in its log', async () => {
  expect((await call(`${gw.url}/v1/instruments`)).status).toBe(200);
  const client = await openStream(gw.url);
  client.ws.terminate();
  const backfill = await call(`${gw.url}/v1/backfill`, { method: 'POST', body: {} });
  expect(backfill.status).toBe(401);
  expect(gw.logs()).toMatch(/no tokens configured: reads are open \(loopback only\)/);
});

test('reads are never open off loopback, nor once any token is configured', () => {
  const config = (env: Record<string, string>) => loadConfig({ env });
  expect(tokensFromConfig(config({})).openReads).toBe(true);
  expect(tokensFromConfig(config({ TICKLINE_GATEWAY_HOST: '0.0.0.0' })).openReads).toBe(false);
  expect(tokensFromConfig(config({ TICKLINE_GATEWAY_OPERATOR_TOKEN: 'operator-only-token' })).openReads).toBe(
    false,
  );
});
