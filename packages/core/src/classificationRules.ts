import { z } from 'zod';
import { AssetClassSchema } from './assetClass';
import { describeInput } from './numberSchemas';
import { VenueSchema } from './venue';

/**
 * One classification rule. Plain data (a regex source string, not a RegExp) so a config file can
 * carry rules. Patterns match the whole canonical symbol only if they say so with ^ and $.
 */
export const ClassificationRuleSchema = z.strictObject({
  pattern: z.string().refine(compiles, {
    error: (issue) => `pattern must be a valid regular expression, got ${describeInput(issue.input)}`,
  }),
  /** Limits the rule to one venue; a rule with a venue never matches a symbol classified without one. */
  venue: VenueSchema.optional(),
  assetClass: AssetClassSchema,
});
export type ClassificationRule = z.infer<typeof ClassificationRuleSchema>;

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

// Quote assets that make a symbol a crypto pair. Four-letter-plus stablecoins are unambiguous; the rest
// (USD, EUR, BTC, ...) need a separator or a base long enough not to be a US stock ticker (<= 5).
const STABLE_QUOTES = ['USDT', 'USDC', 'BUSD', 'FDUSD', 'TUSD', 'USDP', 'PYUSD'];
const OTHER_QUOTES = ['DAI', 'BTC', 'ETH', 'BNB', 'SOL', 'USD', 'EUR', 'GBP', 'JPY', 'TRY', 'BRL', 'AUD'];
const CRYPTO_QUOTES = [...STABLE_QUOTES, ...OTHER_QUOTES].join('|');

// ISO currencies for bare six-letter FX pairs such as EURUSD. Crypto tickers are not currencies here,
// so BTCEUR still reaches the crypto rule.
const FIAT = 'USD|EUR|GBP|JPY|CHF|AUD|NZD|CAD|CNY|CNH|HKD|SGD|SEK|NOK|DKK|MXN|ZAR|TRY|INR|KRW|BRL|PLN';

/** US-listed ETFs common enough to recognise by name. Config extends the list with its own rules. */
export const KNOWN_ETFS = [
  'SPY', 'QQQ', 'IWM', 'DIA', 'VTI', 'VOO', 'IVV', 'VEA', 'VWO', 'EFA', 'EEM', 'IEMG', 'AGG', 'BND',
  'TLT', 'IEF', 'SHY', 'LQD', 'HYG', 'GLD', 'SLV', 'USO', 'UNG', 'VNQ', 'SMH', 'SOXX', 'ARKK', 'XBI',
  'KRE', 'XLB', 'XLC', 'XLE', 'XLF', 'XLI', 'XLK', 'XLP', 'XLRE', 'XLU', 'XLV', 'XLY', 'SCHD', 'VUG',
  'VTV', 'IJH', 'IJR', 'TQQQ', 'SQQQ', 'SPXL', 'UVXY', 'IBIT', 'FBTC',
]; // prettier-ignore

/**
 * The built-in rules, in order; the first match wins. Config may put its own rules in front of these
 * (to override or extend) or replace them.
 */
export const defaultClassificationRules: readonly ClassificationRule[] = [
  // Binance lists nothing but crypto, whatever the symbol looks like.
  { venue: 'binance', pattern: '^.+$', assetClass: 'crypto' },
  // Yahoo conventions: ^GSPC, EURUSD=X (or JPY=X, against USD), ES=F.
  { pattern: '^\\^[A-Z0-9.]+$', assetClass: 'index' },
  { pattern: '^[A-Z]{3}(?:[A-Z]{3})?=X$', assetClass: 'fx' },
  { pattern: '^[A-Z0-9]{1,4}=F$', assetClass: 'future' },
  { pattern: `^(?:${KNOWN_ETFS.join('|')})$`, assetClass: 'etf' },
  { pattern: `^(?:${FIAT})(?:${FIAT})$`, assetClass: 'fx' },
  // BTC-USD (Yahoo), BTC/USD (Alpaca), BTCUSDT, ETHBTC.
  { pattern: `^[A-Z0-9]{2,12}[-/](?:${CRYPTO_QUOTES})$`, assetClass: 'crypto' },
  { pattern: `^[A-Z0-9]{2,12}(?:${STABLE_QUOTES.join('|')})$`, assetClass: 'crypto' },
  { pattern: `^[A-Z0-9]{3,12}(?:${OTHER_QUOTES.join('|')})$`, assetClass: 'crypto' },
  // US stocks: up to five letters, optionally a share class (BRK.B at Alpaca, BRK-B at Yahoo).
  { pattern: '^[A-Z]{1,5}(?:[.-][A-Z]{1,2})?$', assetClass: 'equity' },
];
