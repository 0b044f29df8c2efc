import { hostname } from 'node:os';
import { loadConfig } from '@tickline/config';
import { resolveSinkOptions } from '../src/sinkOptions';

const configured = (env: Record<string, string>) => {
  const config = loadConfig({ env });
  return { hasDatabaseUrl: config.database.url !== undefined, consumer: config.sink.consumer };
};

test('the consumer name comes from the option, else TICKLINE_SINK_CONSUMER, else sink@<hostname>', () => {
  expect(resolveSinkOptions({}, configured({})).consumer).toBe(`sink@${hostname()}`);
  expect(resolveSinkOptions({}, configured({ TICKLINE_SINK_CONSUMER: 'sink-b' })).consumer).toBe('sink-b');
  expect(
    resolveSinkOptions({ consumer: 'from-code' }, configured({ TICKLINE_SINK_CONSUMER: 'sink-b' })).consumer,
  ).toBe('from-code');
});

test('PostgreSQL is written only when DATABASE_URL is set, unless the option says otherwise', () => {
  expect(resolveSinkOptions({}, configured({})).database).toBe(false);
  expect(resolveSinkOptions({}, configured({ DATABASE_URL: 'postgres://127.0.0.1/test' })).database).toBe(
    true,
  );
  expect(
    resolveSinkOptions({ database: false }, configured({ DATABASE_URL: 'postgres://x/y' })).database,
  ).toBe(false);
});
