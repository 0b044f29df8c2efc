import {
  ClassificationRuleSchema,
  CoreError,
  KNOWN_ETFS,
  classifySymbol,
  defaultClassificationRules,
  type ClassificationRule,
} from '@tickline/core';

describe('classifySymbol with the default rules', () => {
  it.each([
    // crypto
    ['BTCUSDT', 'binance', 'crypto'],
    ['BTCUSDT', undefined, 'crypto'],
    ['OPUSDT', undefined, 'crypto'],
    ['ETHBTC', undefined, 'crypto'],
    ['BTCEUR', undefined, 'crypto'],
    ['1000SHIBUSDC', undefined, 'crypto'],
    ['BTC-USD', 'yahoo', 'crypto'],
    ['BTC/USD', 'alpaca', 'crypto'],
    ['ETH/USDT', 'alpaca', 'crypto'],
    ['SPY', 'binance', 'crypto'], // Binance lists only crypto, whatever the name
    // equities: a base shorter than three is not read as a crypto pair
    ['AAPL', 'alpaca', 'equity'],
    ['GOOGL', 'alpaca', 'equity'],
    ['ABNB', 'alpaca', 'equity'],
    ['BRK.B', 'alpaca', 'equity'],
    ['BRK-B', 'yahoo', 'equity'],
    ['F', undefined, 'equity'],
    // ETFs
    ['SPY', 'alpaca', 'etf'],
    ['QQQ', 'yahoo', 'etf'],
    ['IWM', undefined, 'etf'],
    ['DIA', 'alpaca', 'etf'],
    ['VTI', 'alpaca', 'etf'],
    // indices, FX, futures
    ['^GSPC', 'yahoo', 'index'],
    ['^VIX', 'yahoo', 'index'],
    ['EURUSD=X', 'yahoo', 'fx'],
    ['JPY=X', 'yahoo', 'fx'],
    ['EURUSD', 'alphavantage', 'fx'],
    ['ES=F', 'yahoo', 'future'],
    ['CL=F', 'yahoo', 'future'],
    // nothing matches
    ['TOOLONGNAME', 'alpaca', 'unknown'],
    ['what is this', undefined, 'unknown'],
    ['', undefined, 'unknown'],
  ] as const)('%s at %s is %s', (symbol, venue, assetClass) => {
    expect(classifySymbol(symbol, venue)).toBe(assetClass);
  });

  it.each(KNOWN_ETFS)('%s is a known ETF', (symbol) => {
    expect(classifySymbol(symbol, 'alpaca')).toBe('etf');
  });
});

describe('classifySymbol with rules from config', () => {
  it('rules put in front override the defaults', () => {
    const rules: ClassificationRule[] = [
      { pattern: '^ARKK$', assetClass: 'equity' },
      ...defaultClassificationRules,
    ];
    expect(classifySymbol('ARKK', 'alpaca', rules)).toBe('equity');
    expect(classifySymbol('SPY', 'alpaca', rules)).toBe('etf');
  });

  it('rules appended extend the defaults for what they do not cover', () => {
    const rules = [...defaultClassificationRules, { pattern: '^[A-Z]{6,8}$', assetClass: 'equity' } as const];
    expect(classifySymbol('TOOLONGN', 'alpaca', rules)).toBe('equity');
    expect(classifySymbol('TOOLONGN', 'alpaca')).toBe('unknown');
  });

  it('the first matching rule wins', () => {
    const rules: ClassificationRule[] = [
      { pattern: '^A', assetClass: 'index' },
      { pattern: '^AAPL$', assetClass: 'equity' },
    ];
    expect(classifySymbol('AAPL', undefined, rules)).toBe('index');
  });

  it('a venue rule applies only to that venue, and never when no venue is given', () => {
    const rules: ClassificationRule[] = [{ venue: 'fmp', pattern: '.', assetClass: 'future' }];
    expect(classifySymbol('AAPL', 'fmp', rules)).toBe('future');
    expect(classifySymbol('AAPL', 'alpaca', rules)).toBe('unknown');
    expect(classifySymbol('AAPL', undefined, rules)).toBe('unknown');
  });

  it('an empty rule list classifies nothing', () => {
    expect(classifySymbol('BTCUSDT', 'binance', [])).toBe('unknown');
  });

  it('a broken pattern fails naming the rule and the pattern', () => {
    const rules: ClassificationRule[] = [
      { pattern: '^AAPL$', assetClass: 'equity' },
      { pattern: '([A-Z]', assetClass: 'fx' },
    ];
    expect(() => classifySymbol('MSFT', undefined, rules)).toThrow(CoreError);
    expect(() => classifySymbol('MSFT', undefined, rules)).toThrow(
      'classification rule 1 has an invalid pattern "([A-Z]"',
    );
  });
});

describe('ClassificationRuleSchema', () => {
  it('accepts every default rule', () => {
    for (const rule of defaultClassificationRules) expect(ClassificationRuleSchema.parse(rule)).toEqual(rule);
  });

  it.each([
    [
      { pattern: '([A-Z]', assetClass: 'fx' },
      'pattern',
      'pattern must be a valid regular expression, got "([A-Z]"',
    ],
    [{ pattern: '.', assetClass: 'bond' }, 'assetClass', 'assetClass must be one of crypto, equity'],
    [{ pattern: '.', assetClass: 'fx', venue: 'kraken' }, 'venue', 'venue must be one of'],
  ])('rejects %j at %s', (rule, field, why) => {
    const issue = ClassificationRuleSchema.safeParse(rule).error?.issues[0];
    expect(issue?.path).toEqual([field]);
    expect(issue?.message).toContain(why);
  });
});
