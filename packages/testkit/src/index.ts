export * from './testRedis';
export * from './freePort';
export * from './redisServer';
export * from './waitFor';
export * from './faultProxy';
export * from './spawnTs';
export * from './redisCluster';
