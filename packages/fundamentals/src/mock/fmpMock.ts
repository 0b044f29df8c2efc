import { ProviderMock, type MockReply, type MockRequest } from './restMock';

/** The replies one symbol has at FMP: each a JSON array as FMP sends it. */
export interface FmpMockSymbol {
  profile: unknown[];
  keyMetricsTtm?: unknown[];
  incomeStatement?: unknown[];
}

/** Failures FMP really sends (protocols/venues.md section 7). */
export type FmpFault = 'limit429' | 'limit200' | 'bandwidth' | 'restricted402' | 'server500';

const LIMIT =
  'Limit Reach . Please upgrade your plan or visit our documentation for more details at https://site.financialmodelingprep.com/';
const INVALID_KEY =
  'Invalid API KEY. Feel free to create a Free API Key or visit https://site.financialmodelingprep.com/faqs?search=why-is-my-api-key-invalid for more information.';
const LEGACY =
  'Legacy Endpoint : Due to Legacy endpoints being no longer supported - This endpoint is only available for legacy users who have valid subscriptions prior August 31, 2025. Please visit our documentation page https://site.financialmodelingprep.com/developer/docs for our current APIs.';

const FAULTS: Record<FmpFault, MockReply> = {
  limit429: { status: 429, body: { 'Error Message': LIMIT } },
  limit200: { status: 200, body: { 'Error Message': LIMIT } },
  bandwidth: { status: 429, body: { 'Error Message': `Bandwidth ${LIMIT}` } },
  restricted402: {
    status: 402,
    body: 'Restricted Endpoint: This endpoint is not available under your current subscription please visit our subscription page to upgrade your plan at https://site.financialmodelingprep.com/pricing-plans',
  },
  server500: { status: 500, body: 'Internal Server Error' },
};

/** FMP's stable API for the symbols given; `fault`, while set, is what every keyed request gets. */
export class FmpMock extends ProviderMock {
  fault: FmpFault | undefined;

  constructor(
    private readonly apiKey: string,
    private readonly symbols: Record<string, FmpMockSymbol>,
  ) {
    super();
  }

  protected answer(request: MockRequest): MockReply {
    if (request.path.startsWith('/api/v3/')) return { status: 403, body: { 'Error Message': LEGACY } };
    if (request.query.get('apikey') !== this.apiKey)
      return { status: 401, body: { 'Error Message': INVALID_KEY } };
    if (this.fault) return FAULTS[this.fault];
    const data = this.symbols[request.query.get('symbol') ?? ''];
    switch (request.path) {
      case '/stable/profile':
        return { status: 200, body: data?.profile ?? [] };
      case '/stable/key-metrics-ttm':
        return { status: 200, body: data?.keyMetricsTtm ?? [] };
      case '/stable/income-statement': {
        const limit = Number(request.query.get('limit') ?? '5');
        return { status: 200, body: (data?.incomeStatement ?? []).slice(0, limit) };
      }
      default:
        return { status: 404, body: { 'Error Message': `Unknown endpoint ${request.path}` } };
    }
  }
}
