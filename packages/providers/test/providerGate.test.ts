import { ProviderError, ProviderGate } from '../src';

function gate() {
  let now = 1000;
  const g = new ProviderGate({
    provider: 'binance',
    breaker: { failureThreshold: 2, cooldownMs: 500 },
    now: () => now,
  });
  return { g, advance: (ms: number) => (now += ms) };
}

const fail = (code: ProviderError['code'], retryAfterMs?: number) => () =>
  Promise.reject(new ProviderError(code, `binance: ${code}`, { provider: 'binance', retryAfterMs }));

describe('ProviderGate', () => {
  it('opens on consecutive failures and refuses with CIRCUIT_OPEN until the cooldown ends', async () => {
    const { g, advance } = gate();
    await expect(g.run(1, fail('SERVER_ERROR'))).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    await expect(g.run(1, fail('TIMEOUT'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(g.isAvailable()).toBe(false);
    await expect(g.run(1, () => Promise.resolve(1))).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      retryAfterMs: 500,
    });
    advance(500);
    expect(await g.run(1, () => Promise.resolve(42))).toBe(42);
    expect(g.status()).toMatchObject({ breaker: 'closed', calls: 3 });
  });

  it('a ban (418) opens the breaker for its Retry-After and counts as a rate-limit hit', async () => {
    const { g, advance } = gate();
    await expect(g.run(1, fail('BANNED', 120000))).rejects.toMatchObject({ code: 'BANNED' });
    expect(g.status()).toMatchObject({ breaker: 'open', openUntil: 121000, rateLimitHits: 1 });
    advance(119999);
    expect(g.isAvailable()).toBe(false);
    advance(1);
    expect(g.isAvailable()).toBe(true);
  });

  it('a rejected request (bad symbol) says nothing against the provider', async () => {
    const { g } = gate();
    for (let i = 0; i < 3; i++) await expect(g.run(1, fail('REQUEST_REJECTED'))).rejects.toThrow();
    expect(g.status()).toMatchObject({ breaker: 'closed', successRate: 1 });
  });
});
