import { AlphaVantageMock } from '../../src/mock/alphaVantageMock';
import { FmpMock } from '../../src/mock/fmpMock';
import { YahooMock } from '../../src/mock/yahooMock';
import { fixture } from './fixtures';

export const FMP_KEY = 'fmp-test-key-123';
export const AV_KEY = 'av-test-key-456';

export interface Mocks {
  fmp: FmpMock;
  yahoo: YahooMock;
  alphaVantage: AlphaVantageMock;
  urls: { fmp: string; yahoo: string; alphaVantage: string };
  close(): Promise<void>;
}

/** The three mocks serving the recorded AAPL (FMP, Yahoo) and IBM (Alpha Vantage) replies. */
export async function startMocks(): Promise<Mocks> {
  const yahooBody = fixture('yahoo/quoteSummary-AAPL-5modules.json') as {
    quoteSummary: { result: Record<string, unknown>[] };
  };
  const fmp = await new FmpMock(FMP_KEY, {
    AAPL: {
      profile: fixture('fmp/profile_AAPL.json') as unknown[],
      keyMetricsTtm: fixture('fmp/key-metrics-ttm_AAPL.json') as unknown[],
      incomeStatement: fixture('fmp/income-statement_AAPL.json') as unknown[],
    },
  }).listen();
  const yahoo = await new YahooMock({ AAPL: yahooBody.quoteSummary.result[0] ?? {} }).listen();
  const overview = fixture('alphavantage/OVERVIEW_IBM.json') as Record<string, string>;
  // The recorded OVERVIEW is IBM's; AAPL is served the same body under its own symbol so all three agree on the name.
  const alphaVantage = await new AlphaVantageMock(AV_KEY, {
    IBM: overview,
    AAPL: { ...overview, Symbol: 'AAPL' },
  }).listen();
  return {
    fmp,
    yahoo,
    alphaVantage,
    urls: { fmp: fmp.url, yahoo: yahoo.url, alphaVantage: alphaVantage.url },
    close: async () => {
      await Promise.all([fmp.close(), yahoo.close(), alphaVantage.close()]);
    },
  };
}
