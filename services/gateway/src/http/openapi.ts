// The OpenAPI 3.1 description of the gateway, served at /v1/openapi.json. A test checks it against
// ROUTES: every route documented, every documented route answering with a documented status.

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const json = (description: string, schema: object = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});
const query = (name: string, description: string, required = true, schema: object = { type: 'string' }) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const AUTH = {
  401: error('No token, or an unknown one.'),
  403: error('The token lacks the scope, or the Origin is not allowed.'),
};
/** On the expensive routes (bars, fundamentals, backfill): gateway.maxConcurrentPerToken / maxConcurrent. */
const BUSY = {
  429: {
    ...error(
      'Too many expensive requests of this token (or in all) are running; retry after `Retry-After` s.',
    ),
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } },
  },
};
const READ = [{ bearer: ['read'] }];
const OPERATOR = [{ bearer: ['operator'] }];

const Bar = {
  type: 'object',
  required: [
    'venue',
    'symbol',
    'timeframe',
    'start',
    'open',
    'high',
    'low',
    'close',
    'volume',
    'trades',
    'vwap',
    'revision',
    'source',
    'quality',
  ],
  properties: {
    venue: { type: 'string' },
    symbol: { type: 'string' },
    timeframe: { type: 'string' },
    start: { type: 'string', format: 'date-time', description: 'Bar open time, ISO-8601 UTC.' },
    open: { type: 'number' },
    high: { type: 'number' },
    low: { type: 'number' },
    close: { type: 'number' },
    volume: { type: 'number' },
    trades: { type: 'integer' },
    vwap: { type: 'number' },
    revision: { type: 'integer' },
    source: { type: 'string' },
    quality: {
      type: 'object',
      properties: {
        score: { type: 'number', minimum: 0, maximum: 1 },
        flags: {
          type: 'array',
          items: {
            type: 'object',
            properties: { code: { type: 'string' }, penalty: { type: 'number' }, detail: { type: 'string' } },
          },
        },
      },
    },
  },
};

export const GATEWAY_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Tickline gateway',
    version: '0.1.0',
    description:
      'Bars, instruments, fundamentals and backfill requests over HTTP; live and historical bars over the WebSocket /v1/stream (docs/gateway.md).',
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'Read or operator token (gateway.readToken / gateway.operatorToken).',
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' }, param: { type: 'string' } },
          },
        },
      },
      Bar,
    },
  },
  paths: {
    '/healthz': {
      get: {
        summary: 'Liveness, with Redis reachability.',
        security: [],
        responses: { 200: json('Alive and Redis answers.'), 503: json('Alive, Redis unreachable.') },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics of the process (tickline_gateway_* among them).',
        security: [],
        responses: {
          200: {
            description: 'Prometheus text exposition.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    '/v1/openapi.json': {
      get: { summary: 'This document.', security: [], responses: { 200: json('OpenAPI 3.1.') } },
    },
    '/v1/bars': {
      get: {
        summary: 'Final bars starting in [from, to), the values `tickline bars` prints.',
        security: READ,
        parameters: [
          query('venue', 'Venue, e.g. binance.'),
          query('symbol', 'Symbol as the venue spells it, e.g. BTCUSDT.'),
          query('timeframe', 'Timeframe, e.g. 1m.'),
          query('from', 'First bar start, ISO-8601 UTC or epoch ms (inclusive), from 1900-01-01.'),
          query(
            'to',
            'End, ISO-8601 UTC or epoch ms (exclusive), before 2200-01-01; at most the span one request of the timeframe may cover (docs/security.md).',
          ),
          query('source', 'db or cache; default db when the gateway has a database.', false, {
            enum: ['db', 'cache'],
          }),
        ],
        responses: {
          200: json('The query and its bars.', {
            type: 'object',
            properties: {
              query: { type: 'object' },
              bars: { type: 'array', items: { $ref: '#/components/schemas/Bar' } },
            },
          }),
          400: error(
            'A parameter is missing or invalid, a time outside the era, or a range longer than one request may span; `param` names it.',
          ),
          ...AUTH,
          ...BUSY,
          503: error('source=db asked but no database is configured.'),
        },
      },
    },
    '/v1/instruments': {
      get: {
        summary: 'Instruments from the configuration and the instrument registry, with their stream keys.',
        security: READ,
        responses: { 200: json('The instruments.'), ...AUTH },
      },
    },
    '/v1/fundamentals/{symbol}': {
      get: {
        summary:
          'Fundamentals of one symbol from the fundamentals service (503 when none is wired in, or no provider knows the symbol).',
        security: READ,
        parameters: [{ name: 'symbol', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: json('Fundamentals per provider.'),
          400: error('Not a symbol.'),
          ...AUTH,
          ...BUSY,
          503: error('The fundamentals service is not available, or no provider has the symbol.'),
        },
      },
    },
    '/v1/backfill': {
      post: {
        summary:
          "Queue a backfill request on the backfill service's queue (the `<prefix>:backfill:requests` stream when the gateway has none); operator scope.",
        security: OPERATOR,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['venue', 'symbol', 'timeframe', 'from', 'to'],
                additionalProperties: false,
                properties: {
                  venue: { type: 'string' },
                  symbol: { type: 'string' },
                  timeframe: { type: 'string' },
                  from: { type: ['string', 'integer'] },
                  to: { type: ['string', 'integer'] },
                  provider: { type: 'string' },
                },
              },
            },
          },
        },
        responses: {
          202: json('Queued (or already queued: status exists), with the request id.'),
          400: error(
            'A field is missing or invalid (`param` names it; times outside the era, a range longer than one request may span, a content type other than application/json), or no provider serves the request.',
          ),
          ...AUTH,
          413: error('The body is too large.'),
          ...BUSY,
        },
      },
    },
    '/v1/pipeline': {
      get: {
        summary:
          'Pipeline figures for the dashboard: ingest rate, stream lag, reconnects, gaps, dead letters, backfill queue.',
        security: READ,
        responses: { 200: json('The pipeline summary.'), ...AUTH },
      },
    },
    '/v1/stream': {
      get: {
        summary: 'WebSocket endpoint (JSON frames; see docs/gateway.md). Without an upgrade it answers 426.',
        security: READ,
        responses: {
          101: { description: 'Switching to the WebSocket protocol.' },
          ...AUTH,
          426: error('A plain HTTP request: a WebSocket upgrade is required.'),
        },
      },
    },
  },
} as const;
