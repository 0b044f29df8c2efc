import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  configReference,
  createScrubber,
  loadConfig,
  REDACTED,
  redactConfig,
  redactUrl,
  SECRET_PATHS,
  secretsOf,
} from '@tickline/config';

const env = {
  REDIS_URL: 'redis://ingest:url%2Fpass@127.0.0.1:6379',
  REDIS_PASSWORD: 'redis-pw"quoted',
  DATABASE_URL: 'postgresql://tl:db-pass@127.0.0.1:5432/tickline',
  BINANCE_API_KEY: 'bn-key',
  APCA_API_KEY_ID: 'ap-id',
  APCA_API_SECRET_KEY: 'ap-secret',
  ALPHAVANTAGE_API_KEY: 'av-key',
  FMP_API_KEY: 'fmp-key',
  TICKLINE_GATEWAY_READ_TOKEN: 'gw-read',
  TICKLINE_GATEWAY_OPERATOR_TOKEN: 'gw-operator',
};

describe('secrets', () => {
  const config = loadConfig({ env });

  it('lists every secret value, including passwords inside URLs (decoded)', () => {
    expect(secretsOf(config)).toEqual([
      { path: 'redis.password', value: 'redis-pw"quoted' },
      { path: 'venues.binance.apiKey', value: 'bn-key' },
      { path: 'venues.alpaca.apiKey', value: 'ap-id' },
      { path: 'venues.alpaca.apiSecret', value: 'ap-secret' },
      { path: 'venues.alphavantage.apiKey', value: 'av-key' },
      { path: 'venues.fmp.apiKey', value: 'fmp-key' },
      { path: 'gateway.readToken', value: 'gw-read' },
      { path: 'gateway.operatorToken', value: 'gw-operator' },
      { path: 'redis.url (password)', value: 'url/pass' },
      { path: 'database.url (password)', value: 'db-pass' },
    ]);
    expect(SECRET_PATHS).toHaveLength(8);
  });

  it('redacts URL passwords, keeping the user and host', () => {
    expect(redactUrl('redis://ingest:p@ss@host:6379/0')).toBe(`redis://ingest:${REDACTED}@host:6379/0`);
    expect(redactUrl('connect to rediss://:pw@h:1 failed; postgres://u:x@db/y')).toBe(
      `connect to rediss://:${REDACTED}@h:1 failed; postgres://u:${REDACTED}@db/y`,
    );
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('redis://user@host')).toBe('redis://user@host');
  });

  it('scrubs secrets raw, URL-encoded and JSON-escaped', () => {
    const scrub = createScrubber(secretsOf(config).map((s) => s.value));
    const text = [
      'key=bn-key',
      JSON.stringify({ m: 'pw redis-pw"quoted' }),
      'https://x/?p=url%2Fpass',
      'redis://a:other@h',
    ].join(' ');
    const scrubbed = scrub(text);
    for (const { value } of secretsOf(config)) expect(scrubbed).not.toContain(value);
    expect(scrubbed).not.toContain('url%2Fpass');
    expect(scrubbed).not.toContain('other');
    expect(scrubbed).toContain(`key=${REDACTED}`);
    expect(createScrubber([])('redis://a:b@c')).toBe(`redis://a:${REDACTED}@c`);
  });

  it('redacts credential parameters whatever their value, and nothing else', () => {
    const echoed =
      'Invalid call: GET https://fmp/stable/profile?symbol=AAPL&apikey=UNKNOWN1&x=1 ' +
      '{"apikey": "UNKNOWN2", "Token":"a\\"b", "symbol":"AAPL"} api_key%3DUNKNOWN3&n=1 SIGNATURE=UNKNOWN4';
    const scrubbed = createScrubber([])(echoed);
    for (const value of ['UNKNOWN1', 'UNKNOWN2', 'a\\"b', 'UNKNOWN3', 'UNKNOWN4']) {
      expect(scrubbed).not.toContain(value);
    }
    expect(scrubbed).toContain(`apikey=${REDACTED}&x=1`);
    expect(scrubbed).toContain(`"apikey": "${REDACTED}"`);
    expect(scrubbed).toContain('"symbol":"AAPL"');
    const plain =
      'open it with ?token= again; monkey=2; keys=3; apikey=[redacted] stays; #token=<read token>';
    expect(redactUrl(plain)).toBe(plain);
    expect(redactUrl(redactUrl(echoed))).toBe(redactUrl(echoed));
  });

  it('makes a printable copy without secrets', () => {
    const printable = JSON.stringify(redactConfig(config));
    for (const { value } of secretsOf(config)) expect(printable).not.toContain(value);
    expect(printable).toContain(`"url":"redis://ingest:${REDACTED}@127.0.0.1:6379"`);
    expect(printable).toContain(`"apiSecret":"${REDACTED}"`);
  });
});

describe('configuration reference', () => {
  it('documents every setting with its default and variable', () => {
    const reference = configReference();
    expect(reference).toContain('| `redis.commandTimeoutMs` | integer | `5000` |');
    expect(reference).toContain('`APCA_API_SECRET_KEY` (secret, env only)');
    expect(reference).toContain(
      '| `instruments` | list of string | `["binance:BTCUSDT","binance:ETHUSDT"]` | `TICKLINE_INSTRUMENTS` |',
    );
  });

  it('is embedded, up to date, in packages/config/README.md (regenerate: npx tickline config docs)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(configReference());
  });
});
