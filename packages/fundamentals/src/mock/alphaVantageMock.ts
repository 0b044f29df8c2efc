import { ProviderMock, type MockReply, type MockRequest } from './restMock';

/** Alpha Vantage's notices, all HTTP 200 (protocols/venues.md section 6). */
export type AlphaVantageFault = 'daily' | 'burst' | 'legacyNote' | 'premium';

const NOTICES: Record<AlphaVantageFault, Record<string, string>> = {
  daily: {
    Information:
      'Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits.',
  },
  burst: {
    Information:
      'Thank you for using Alpha Vantage! Please consider spreading out your free API requests more sparingly (1 request per second). You may subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to lift the free key rate limit (25 requests per day) and instantly remove all daily rate limits.',
  },
  legacyNote: {
    Note: 'Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API call frequency.',
  },
  premium: {
    Information:
      'Thank you for using Alpha Vantage! This is a premium endpoint. You may subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly unlock all premium endpoints',
  },
};

/** Alpha Vantage `/query?function=OVERVIEW`; an unknown symbol gets `{}` as the real API sends. */
export class AlphaVantageMock extends ProviderMock {
  fault: AlphaVantageFault | undefined;

  constructor(
    private readonly apiKey: string,
    private readonly overviews: Record<string, unknown>,
  ) {
    super();
  }

  protected answer(request: MockRequest): MockReply {
    if (request.path !== '/query') return { status: 404, body: 'Not Found' };
    const fn = request.query.get('function') ?? '';
    if (request.query.get('apikey') !== this.apiKey) {
      return {
        status: 200,
        body: {
          'Error Message':
            'the parameter apikey is invalid or missing. Please claim your free API key on (https://www.alphavantage.co/support/#api-key). It should take less than 20 seconds.',
        },
      };
    }
    if (this.fault) return { status: 200, body: NOTICES[this.fault] };
    if (fn !== 'OVERVIEW') {
      return {
        status: 200,
        body: {
          'Error Message': `Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for ${fn}.`,
        },
      };
    }
    return { status: 200, body: this.overviews[request.query.get('symbol') ?? ''] ?? {} };
  }
}
