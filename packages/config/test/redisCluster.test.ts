import fc from 'fast-check';
import { ConfigError, loadConfig, redisConnectionSettings } from '@tickline/config';

describe('redis.cluster', () => {
  it('is empty by default: a single server, no cluster nodes in the connection settings', () => {
    const config = loadConfig({ env: {} });
    expect(config.redis.cluster).toEqual([]);
    expect(redisConnectionSettings(config)).not.toHaveProperty('clusterNodes');
  });

  it('reads REDIS_CLUSTER_NODES as a comma list of seed nodes, IPv6 in brackets', () => {
    const config = loadConfig({
      env: { REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal:7001,[::1]:7002' },
    });
    expect(config.redis.cluster).toEqual(['10.0.0.1:7000', 'redis-b.internal:7001', '[::1]:7002']);
    expect(redisConnectionSettings(config).clusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('refuses a node without a port, naming the entry and the variable', () => {
    let error: unknown;
    try {
      loadConfig({ env: { REDIS_CLUSTER_NODES: '10.0.0.1:7000,redis-b' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).problems.map((p) => `${p.path} | ${p.message} | ${p.source}`);
    expect(lines).toEqual([
      'redis.cluster.1 | expected host:port, got "redis-b" | environment REDIS_CLUSTER_NODES',
    ]);
  });

  it('turns any host:port back into that host and port', () => {
    const host = fc.oneof(
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((address) => `[${address}]`),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(host, fc.integer({ min: 1, max: 65535 })), { minLength: 1 }), (nodes) => {
        const env = { REDIS_CLUSTER_NODES: nodes.map(([h, p]) => `${h}:${p}`).join(',') };
        const settings = redisConnectionSettings(loadConfig({ env }));
        expect(settings.clusterNodes).toEqual(
          nodes.map(([h, p]) => ({ host: h.replace(/^\[(.*)\]$/, '$1'), port: p })),
        );
      }),
    );
  });
});
