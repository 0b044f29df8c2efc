import { z } from 'zod';
import { BackfillSchema, providerLimits } from './backfill';
import { IngestorSchema } from './ingestor';
import { instrumentIdProblem, VENUE_NAMES } from './venues';

// The one schema every service shares. Each field carries its default and a description here, and
// nowhere else: packages/config/README.md is generated from it (`tickline config docs`).
// Error messages say what was expected; the loader appends what it got and where it came from.

function int(min: number, max: number, expected: string) {
  const error = { error: expected };
  return z.number(error).int(error).min(min, error).max(max, error);
}

const positiveInt = () => int(1, Number.MAX_SAFE_INTEGER, 'expected a positive integer');
const port = () => int(0, 65535, 'expected a port number 0-65535 (0 picks a free port)');
const text = (expected = 'expected a non-empty string') =>
  z.string({ error: expected }).min(1, { error: expected });
const host = () => text('expected a host name or IP address to listen on');

/** A Host header name pattern: a name or IP address, `[v6]`, `.domain` (and its subdomains), or `*`. */
function hostPattern() {
  const expected = 'expected a host name such as gateway.example.com, .example.com, [::1] or * (no port)';
  return text(expected).refine(
    (value) => /^(\*|\.?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*|\[[0-9A-Fa-f:.]+\])$/.test(value),
    {
      error: expected,
    },
  );
}

function hasProtocol(value: string, protocols: readonly string[]): URL | undefined {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol.slice(0, -1)) ? url : undefined;
  } catch {
    return undefined;
  }
}

function url(protocols: readonly string[]) {
  const expected = `expected a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`;
  return text(expected).refine((value) => hasProtocol(value, protocols) !== undefined, { error: expected });
}

/** An origin (scheme, host, port) to which a venue client appends the venue's documented paths. */
function origin(protocols: readonly string[]) {
  const expected = `expected an origin such as ${protocols[0]}://127.0.0.1:9443 (no path, no trailing slash)`;
  return text(expected).refine(
    (value) => {
      const parsed = hasProtocol(value, protocols);
      return parsed !== undefined && parsed.origin === value;
    },
    { error: expected },
  );
}

const secret = (description: string) => text().optional().describe(description);

const RedisSchema = z
  .strictObject({
    url: url(['redis', 'rediss'])
      .default('redis://127.0.0.1:6379')
      .describe('Redis server. `rediss://` turns TLS on. A password inside the URL is a secret.'),
    cluster: z
      .array(
        text('expected host:port').refine(
          (value) => /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(value),
          {
            error: 'expected host:port',
          },
        ),
        { error: 'expected a list of host:port' },
      )
      .default([])
      .describe(
        'Redis Cluster seed nodes as `host:port` (a few masters; the rest are discovered). When set, the streams, leases, checkpoints, heartbeats and rate limits go to the cluster and `url` only supplies user, password and TLS; BullMQ queues (backfill, fundamentals) still use `url`. See docs/scale-out.md.',
      ),
    username: text().optional().describe('Redis ACL user (overrides the one in the URL).'),
    password: secret('Redis password (overrides the one in the URL). Environment only.'),
    tls: z
      .strictObject({
        enabled: z
          .boolean({ error: 'expected true or false' })
          .default(false)
          .describe('Connect with TLS (also on when the URL is `rediss://`).'),
        caFile: text()
          .optional()
          .describe('PEM file of the certificate authority to trust; the system CAs when unset.'),
        rejectUnauthorized: z
          .boolean({ error: 'expected true or false' })
          .default(true)
          .describe('Refuse servers whose certificate does not verify. Turn off only for local tests.'),
        servername: text().optional().describe('TLS server name (SNI) when it differs from the URL host.'),
      })
      .prefault({})
      .describe('TLS settings for Redis.'),
    commandTimeoutMs: positiveInt()
      .default(5000)
      .describe('Fail a Redis command not answered within this time (ioredis waits forever otherwise).'),
    connectTimeoutMs: positiveInt()
      .default(10000)
      .describe('Give up one connection attempt after this time.'),
  })
  .prefault({})
  .describe('Redis, which carries every stream and BullMQ queue.');

const DatabaseSchema = z
  .strictObject({
    url: url(['postgres', 'postgresql'])
      .optional()
      .describe('PostgreSQL / TimescaleDB. Unset means no database: the file cache is the store.'),
  })
  .prefault({})
  .describe('Bar and fundamentals database.');

const CacheSchema = z
  .strictObject({
    dir: text()
      .default('./.tickline/cache')
      .describe('Root of the gzip file cache; relative paths resolve against the working directory.'),
  })
  .prefault({})
  .describe('File cache of bars and fundamentals.');

const WS = ['ws', 'wss'] as const;
const HTTP = ['http', 'https'] as const;

function endpoint(protocols: readonly string[], venue: string, fallback: string) {
  const api = protocols === WS ? 'WebSocket' : 'REST';
  return origin(protocols)
    .default(fallback)
    .describe(`Origin of the ${venue} ${api} API; point it at a mock server to test or replay.`);
}

const noWebSocket = (venue: string) =>
  origin(WS).optional().describe(`Origin of the ${venue} WebSocket API, if one is used (none by default).`);

const apiKey = (venue: string) => secret(`${venue} API key. Environment only.`);

const venue = <T extends z.ZodType>(name: string, schema: T) => schema.describe(`The ${name} venue.`);

const VenuesSchema = z
  .strictObject({
    binance: venue(
      'binance',
      z
        .strictObject({
          wsUrl: endpoint(WS, 'binance', 'wss://stream.binance.com:9443'),
          restUrl: endpoint(HTTP, 'binance', 'https://api.binance.com'),
          apiKey: apiKey('binance'),
        })
        .prefault({}),
    ),
    alpaca: venue(
      'alpaca',
      z
        .strictObject({
          wsUrl: endpoint(WS, 'alpaca', 'wss://stream.data.alpaca.markets'),
          restUrl: endpoint(HTTP, 'alpaca', 'https://data.alpaca.markets'),
          apiKey: apiKey('alpaca'),
          apiSecret: secret('alpaca API secret. Environment only.'),
          feed: z
            .enum(['iex', 'sip'], { error: 'expected "iex" or "sip"' })
            .default('iex')
            .describe('Alpaca market-data feed: `iex` (free) or `sip` (paid, all exchanges).'),
        })
        .prefault({}),
    ),
    yahoo: venue(
      'yahoo',
      z
        .strictObject({
          wsUrl: noWebSocket('yahoo'),
          restUrl: endpoint(HTTP, 'yahoo', 'https://query1.finance.yahoo.com'),
        })
        .prefault({}),
    ),
    alphavantage: venue(
      'alphavantage',
      z
        .strictObject({
          wsUrl: noWebSocket('alphavantage'),
          restUrl: endpoint(HTTP, 'alphavantage', 'https://www.alphavantage.co'),
          apiKey: apiKey('alphavantage'),
        })
        .prefault({}),
    ),
    fmp: venue(
      'fmp',
      z
        .strictObject({
          wsUrl: noWebSocket('fmp'),
          restUrl: endpoint(HTTP, 'fmp', 'https://financialmodelingprep.com'),
          apiKey: apiKey('fmp'),
        })
        .prefault({}),
    ),
  })
  .prefault({})
  .describe('Venue endpoints and credentials.');

const InstrumentId = z.string({ error: 'expected "venue:SYMBOL"' }).superRefine((id, ctx) => {
  const problem = instrumentIdProblem(id);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const BusSchema = z
  .strictObject({
    publisher: z
      .strictObject({
        batchSize: positiveInt()
          .default(500)
          .describe('Most records packed into one flush of pipelined XADDs.'),
        lingerMs: int(0, 60000, 'expected an integer 0-60000')
          .default(5)
          .describe('How long a partial batch waits for more records before it is flushed.'),
        maxBuffered: positiveInt()
          .default(100000)
          .describe(
            'Records held in memory, unacknowledged by Redis, at most. Beyond it the ingestor writes records to its spool (`spool.dir`); producers without a spool wait (backpressure).',
          ),
        spool: z
          .strictObject({
            dir: text()
              .default('./.tickline/spool')
              .describe(
                'Directory of the ingestor spool (file `ingestor-<prefix>.spool`): records beyond `maxBuffered` while Redis is down or slow, sent in order with their entry ids once it is back, and at the next start if the ingestor stopped first. One ingestor per prefix and directory (a lock file says which process holds it). Relative paths resolve against the working directory.',
              ),
            maxBytes: int(0, Number.MAX_SAFE_INTEGER, 'expected an integer >= 0 (bytes)')
              .default(1073741824)
              .describe(
                'Disk budget of the spool file. Records beyond it are dropped and published to the gaps stream (cause `spool-full`) for backfill; 0 spools nothing.',
              ),
          })
          .prefault({})
          .describe('Ingestor spool.'),
      })
      .prefault({})
      .describe('Stream publisher.'),
    consumer: z
      .strictObject({
        batchSize: positiveInt().default(500).describe('Entries read per XREADGROUP.'),
        blockMs: positiveInt().default(1000).describe('How long one XREADGROUP blocks waiting for entries.'),
        claimIdleMs: positiveInt()
          .default(30000)
          .describe('Reclaim (XAUTOCLAIM) entries another consumer left pending this long.'),
        maxAttempts: positiveInt()
          .default(5)
          .describe('Deliveries of one entry before it moves to `<prefix>:dlq:<source>`.'),
      })
      .prefault({})
      .describe('Stream consumers (consumer groups).'),
  })
  .prefault({})
  .describe('Redis Streams tuning.');

const AggregatorSchema = z
  .strictObject({
    wallClockMs: int(0, 3_600_000, 'expected milliseconds, 0 to disable')
      .default(1000)
      .describe(
        'Live mode: an instrument without trades for this long has its watermark moved to wall-clock now minus the allowed lateness (finalizing its bars); checked this often. 0 keeps live mode on event time only.',
      ),
    partialIntervalMs: int(0, 3_600_000, 'expected milliseconds, 0 to disable')
      .default(0)
      .describe('Publish the open (partial) bars of an instrument at most this often; 0 publishes none.'),
    leaseMs: positiveInt()
      .default(10000)
      .describe(
        "How long an instance's lease on an instrument lasts unrenewed: another instance takes a dead one's instruments over after at most this. Keep it well above `leaseRenewMs` plus `bus.consumer.blockMs`.",
      ),
    leaseRenewMs: positiveInt()
      .default(2000)
      .describe(
        'How often an instance renews its leases, sheds instruments above its fair share and takes free ones.',
      ),
  })
  .refine((aggregator) => aggregator.leaseRenewMs < aggregator.leaseMs, {
    error: 'expected leaseRenewMs below leaseMs',
    path: ['leaseRenewMs'],
  })
  .prefault({})
  .describe('The aggregator service (tick streams to bar streams).');

const FUNDAMENTALS_PROVIDERS = ['fmp', 'yahoo', 'alphavantage'] as const;
const ttlDays = (fallback: number, what: string) =>
  z
    .number({ error: 'expected a number of days, 0 or more' })
    .min(0, { error: 'expected a number of days, 0 or more' })
    .default(fallback)
    .describe(`Days a cached snapshot serves ${what} before a refresh.`);

const FundamentalsSchema = z
  .strictObject({
    providers: z
      .array(
        z.enum(FUNDAMENTALS_PROVIDERS, { error: `expected one of ${FUNDAMENTALS_PROVIDERS.join(', ')}` }),
      )
      .min(1, { error: 'expected at least one provider' })
      .refine((names) => new Set(names).size === names.length, { error: 'expected each provider once' })
      .default(['fmp', 'yahoo', 'alphavantage'])
      .describe('Fundamentals providers in priority order (keys: `FMP_API_KEY`, `ALPHAVANTAGE_API_KEY`).'),
    strategy: z
      .enum(['priority', 'quality', 'consensus'], { error: 'expected priority, quality or consensus' })
      .default('priority')
      .describe('How provider records are merged field by field into the `combined` view.'),
    tolerance: z
      .number({ error: 'expected a fraction between 0 and 1' })
      .min(0, { error: 'expected a fraction between 0 and 1' })
      .max(1, { error: 'expected a fraction between 0 and 1' })
      .default(0.05)
      .describe(
        'Relative difference within which providers agree (consensus); beyond it a field is flagged.',
      ),
    ttlDays: z
      .strictObject({
        profile: ttlDays(14, 'company profile fields'),
        ratios: ttlDays(3, 'ratios (P/E, yields, margins)'),
        statements: ttlDays(90, 'statement figures (revenue, income)'),
        calendar: ttlDays(7, 'calendar fields (fiscal year end, latest quarter)'),
        dividends: ttlDays(7, 'dividend fields'),
        other: ttlDays(7, 'any other field'),
      })
      .prefault({})
      .describe('Cache TTL per data type.'),
    refresh: z
      .strictObject({
        universes: z
          .array(
            z.strictObject({
              name: text('expected a universe name').regex(/^[A-Za-z0-9_-]+$/, {
                error: 'expected a universe name of letters, digits, _ and -',
              }),
              symbols: z
                .array(
                  text().regex(/^[^\s:a-z]{1,40}$/, {
                    error: 'expected an upper-case symbol without spaces or ":", e.g. AAPL',
                  }),
                )
                .min(1, { error: 'expected at least one symbol' }),
              cron: text('expected a cron pattern, e.g. "0 6 * * 1-5"'),
            }),
          )
          .default([])
          .describe(
            'Universes refreshed on a schedule by the fundamentals service: `{name, symbols, cron}` each (cron in UTC; six fields for seconds).',
          ),
        attempts: positiveInt()
          .default(3)
          .describe('Tries of one symbol refresh while every provider fails, with exponential backoff.'),
      })
      .prefault({})
      .describe('Scheduled refresh jobs (BullMQ).'),
    cleanup: z
      .strictObject({
        keepGood: positiveInt()
          .optional()
          .describe(
            'Good cache copies kept per symbol and provider (`combined` included), newest first; older ones are deleted after each fetch and by the sweep. Unset: 3 (`CLEANUP_DEFAULTS` of @tickline/fundamentals). The copies kept are what `tickline fundamentals restore` can roll back to without a database.',
          ),
        sweepIntervalMs: positiveInt()
          .default(3_600_000)
          .describe(
            'How often the fundamentals service sweeps the whole fundamentals cache (superseded and corrupt copies, rolled-back copies), and once at its start.',
          ),
      })
      .prefault({})
      .describe('Fundamentals cache cleanup.'),
    fmpLimits: providerLimits(
      'Financial Modeling Prep (requests; 250/day on the free plan, raise for paid plans)',
      [{ limit: 250, windowMs: 86_400_000 }],
    ),
  })
  .prefault({})
  .describe('Fundamentals (FMP, Yahoo, Alpha Vantage): provider order, merging, cache TTLs, refresh jobs.');

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = z
  .strictObject({
    prefix: z
      .string({ error: 'expected a key prefix of letters, digits, "_" or "-"' })
      .regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'expected a key prefix of letters, digits, "_" or "-"' })
      .default('tl')
      .describe('Prefix of every Redis key, e.g. `tl:ticks:{binance:BTCUSDT}`.'),
    redis: RedisSchema,
    database: DatabaseSchema,
    cache: CacheSchema,
    instruments: z
      .array(InstrumentId, { error: 'expected a list of "venue:SYMBOL"' })
      .min(1, { error: 'expected at least one instrument' })
      .refine((ids) => new Set(ids).size === ids.length, { error: 'expected each instrument once' })
      .default(['binance:BTCUSDT', 'binance:ETHUSDT'])
      .describe('Instruments to ingest, as `venue:SYMBOL`.'),
    venues: VenuesSchema,
    metrics: z
      .strictObject({
        port: port()
          .default(9464)
          .describe('Port of `/healthz`, `/readyz` and `/metrics`; 0 picks a free one.'),
        host: host()
          .default('127.0.0.1')
          .describe('Interface to listen on; `0.0.0.0` to be scraped from outside.'),
      })
      .prefault({})
      .describe('Health and metrics HTTP endpoint of every process.'),
    gateway: z
      .strictObject({
        port: port().default(8080).describe('Port of the gateway (HTTP, WebSocket, dashboard).'),
        host: host().default('127.0.0.1').describe('Interface the gateway listens on.'),
        readToken: secret(
          'Bearer token of the read scope (bars, ticks, instruments, pipeline). Environment only. Unset with no operator token either: reads are open on a loopback host, refused elsewhere.',
        ),
        operatorToken: secret(
          'Bearer token of the operator scope (read scope plus `POST /v1/backfill`). Environment only.',
        ),
        maxConcurrentPerToken: int(1, 10_000, 'expected an integer from 1 to 10000')
          .default(4)
          .describe(
            'Expensive requests (`GET /v1/bars`, `GET /v1/fundamentals/{symbol}`, `POST /v1/backfill`) one token may have running at once; with no tokens configured (open mode), one client address. One more is answered 429 with `Retry-After`.',
          ),
        maxConcurrent: int(1, 10_000, 'expected an integer from 1 to 10000')
          .default(16)
          .describe(
            'Expensive requests running at once across all clients, whatever their token; one more is answered 429 with `Retry-After`.',
          ),
        origins: z
          .array(origin(HTTP), { error: 'expected a list of origins such as https://desk.example.com' })
          .default([])
          .describe(
            'Browser origins allowed to call the gateway and open its WebSocket, besides its own; requests without an Origin header (non-browser clients) are not affected.',
          ),
        allowedHosts: z
          .array(hostPattern(), {
            error: 'expected a list of host names such as gateway.example.com, .example.com or *',
          })
          .default(['localhost', '.localhost', '127.0.0.1', '[::1]'])
          .describe(
            'Host header names the gateway answers to, on any port, besides its listening address (`gateway.host` unless 0.0.0.0 or ::): an exact name or IP address (IPv6 in brackets), `.example.com` for a domain and its subdomains, `*` for any (only behind a proxy that checks Host). Any other Host gets a 403 on every route and on the WebSocket upgrade, so a DNS-rebinding page cannot reach the gateway.',
          ),
        maxSockets: positiveInt()
          .default(1000)
          .describe(
            'Open WebSocket connections at most; the upgrade beyond it is refused with a 503 saying so.',
          ),
        maxRedisConnections: int(3, 10_000, 'expected an integer from 3 to 10000')
          .default(128)
          .describe(
            'Redis connections the gateway opens at most: two for commands that never block, plus one blocking reader per stream subscribed to (bars of one instrument and timeframe, or ticks of one instrument), shared by every subscription of it. A subscription needing a further stream beyond it gets an UNAVAILABLE error frame.',
          ),
      })
      .prefault({})
      .describe('Strategy gateway.'),
    bus: BusSchema,
    ingestor: IngestorSchema,
    aggregator: AggregatorSchema,
    sink: z
      .strictObject({
        consumer: text()
          .optional()
          .describe(
            "This process's consumer name in the group `sink`. Default `sink@<hostname>`: stable across restarts, so a restarted sink re-reads its own pending entries at once. Give each sink on one host its own name.",
          ),
      })
      .prefault({})
      .describe('The sink service (bar streams to PostgreSQL and the file cache).'),
    fundamentals: FundamentalsSchema,
    backfill: BackfillSchema,
    log: z
      .strictObject({
        level: z
          .enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` })
          .default('info')
          .describe('Least severe level written.'),
      })
      .prefault({})
      .describe('Logging (JSON lines on stdout).'),
    runtime: z
      .strictObject({
        shutdownTimeoutMs: positiveInt()
          .default(25000)
          .describe('Longest graceful stop (draining in-flight work) before the process exits anyway.'),
        readyCheckTimeoutMs: positiveInt()
          .default(2000)
          .describe('A readiness check not answered within this time counts as failed.'),
        heartbeatIntervalMs: int(0, 3_600_000, 'expected milliseconds, 0 to disable')
          .default(5000)
          .describe(
            'How often each service writes its heartbeat to Redis for `tickline status`; 0 turns heartbeats off.',
          ),
        readyMaxLag: int(0, Number.MAX_SAFE_INTEGER, 'expected a number of entries, 0 to disable')
          .default(100000)
          .describe(
            '`/readyz` of a consuming service (aggregator, sink) fails while its consumer group is more than this many stream entries behind on any stream; 0 turns the check off.',
          ),
      })
      .prefault({})
      .describe('Service lifecycle.'),
  })
  .describe('Tickline configuration.');

export type ConfigInput = z.input<typeof ConfigSchema>;
export type ParsedConfig = z.output<typeof ConfigSchema>;
export type VenuesConfig = ParsedConfig['venues'];
export type LogLevel = (typeof LOG_LEVELS)[number];
export { VENUE_NAMES };
