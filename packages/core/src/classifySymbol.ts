import { type AssetClass } from './assetClass';
import { defaultClassificationRules, type ClassificationRule } from './classificationRules';
import { CoreError } from './coreError';
import { type Venue } from './venue';

interface CompiledRule {
  regex: RegExp;
  venue: Venue | undefined;
  assetClass: AssetClass;
}

// Rules are plain data; compile each list once. Keyed weakly so a replaced config list is collected.
const compiled = new WeakMap<readonly ClassificationRule[], CompiledRule[]>();

/**
 * The asset class of `symbol` at `venue` by the first matching rule, or 'unknown' when none
 * matches. Without a venue, venue-specific rules are skipped.
 */
export function classifySymbol(
  symbol: string,
  venue?: Venue,
  rules: readonly ClassificationRule[] = defaultClassificationRules,
): AssetClass {
  for (const rule of compile(rules)) {
    if (rule.venue !== undefined && rule.venue !== venue) continue;
    if (rule.regex.test(symbol)) return rule.assetClass;
  }
  return 'unknown';
}

function compile(rules: readonly ClassificationRule[]): CompiledRule[] {
  let list = compiled.get(rules);
  if (!list) {
    list = rules.map((rule, index) => ({
      regex: toRegExp(rule.pattern, index),
      venue: rule.venue,
      assetClass: rule.assetClass,
    }));
    compiled.set(rules, list);
  }
  return list;
}

function toRegExp(pattern: string, index: number): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CoreError(
      'INVALID_CLASSIFICATION_RULE',
      `classification rule ${index} has an invalid pattern ${JSON.stringify(pattern)}: ${why}`,
    );
  }
}
