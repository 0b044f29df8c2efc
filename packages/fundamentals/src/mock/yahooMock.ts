import { ProviderMock, type MockReply, type MockRequest } from './restMock';

/** Failures Yahoo really sends (protocols/venues.md section 5). */
export type YahooFault =
  /** 429 plain text, no quota documented. */
  | 'rateLimit'
  /** 200 with `result: []`. */
  | 'empty'
  /** The crumb handed out so far stops working once: the next quoteSummary gets 401 Invalid Crumb. */
  | 'staleCrumb';

const COOKIE = 'A3=d=AQABBMockCookie&S=AQAAAMock';

/**
 * Yahoo's cookie page, getcrumb and v10 quoteSummary. `results` holds each symbol's full result
 * object; modules are served as requested, a symbol without any requested module gets Yahoo's 404.
 */
export class YahooMock extends ProviderMock {
  fault: YahooFault | undefined;
  private crumbs = 0;

  constructor(private readonly results: Record<string, Record<string, unknown>>) {
    super();
  }

  private get crumb(): string {
    return `mockCrumb${this.crumbs}`;
  }

  protected answer(request: MockRequest): MockReply {
    if (this.fault === 'rateLimit') return { status: 429, body: 'Too Many Requests' };
    if (request.path === '/') {
      return {
        status: 404,
        body: 'Not Found',
        headers: {
          'set-cookie': `${COOKIE}; Max-Age=31557600; Domain=.yahoo.com; Path=/; Secure; HttpOnly; SameSite=None`,
        },
      };
    }
    if (request.path === '/v1/test/getcrumb') {
      return hasCookie(request)
        ? { status: 200, body: this.crumb }
        : { status: 401, body: unauthorized('Invalid Cookie') };
    }
    const match = /^\/v10\/finance\/quoteSummary\/([^/]+)$/.exec(request.path);
    if (!match)
      return {
        status: 404,
        body: { finance: { result: null, error: { code: 'Not Found', description: 'HTTP 404 Not Found' } } },
      };
    return this.quoteSummary(decodeURIComponent(match[1] ?? ''), request);
  }

  private quoteSummary(symbol: string, request: MockRequest): MockReply {
    if (this.fault === 'staleCrumb') {
      this.fault = undefined;
      this.crumbs += 1;
    }
    if (!hasCookie(request) || request.query.get('crumb') !== this.crumb) {
      return { status: 401, body: unauthorized('Invalid Crumb') };
    }
    if (this.fault === 'empty') return { status: 200, body: { quoteSummary: { result: [], error: null } } };
    const modules = (request.query.get('modules') ?? '').split(',').filter((name) => name !== '');
    const all = this.results[symbol] ?? {};
    const picked = Object.fromEntries(modules.filter((name) => name in all).map((name) => [name, all[name]]));
    if (Object.keys(picked).length === 0) {
      const description = `No fundamentals data found for any of the summaryTypes=${modules.join(',')}`;
      return {
        status: 404,
        body: { quoteSummary: { result: null, error: { code: 'Not Found', description } } },
      };
    }
    return { status: 200, body: { quoteSummary: { result: [picked], error: null } } };
  }
}

function hasCookie(request: MockRequest): boolean {
  return (request.headers.cookie ?? '').includes(COOKIE.split(';')[0] ?? COOKIE);
}

function unauthorized(description: string) {
  return { finance: { result: null, error: { code: 'Unauthorized', description } } };
}
