import type { FundamentalField } from '@tickline/core';
import { FIELD_CATALOG, isFieldName } from '../fieldCatalog';

/** Bounds beyond which a provider's figure is treated as a data error, not a market fact. */
export interface ValidationBounds {
  /** P/E (trailing and forward) must lie in (min, max] [0, 1000]: negative or absurd P/E is not a usable ratio. */
  peMin: number;
  peMax: number;
  /** |beta| at most this [10]. */
  betaMaxAbs: number;
}

export const DEFAULT_BOUNDS: ValidationBounds = { peMin: 0, peMax: 1000, betaMaxAbs: 10 };

const MUST_BE_POSITIVE = new Set([
  'marketCap',
  'revenue',
  'sharesOutstanding',
  'enterpriseValue',
  'week52High',
  'week52Low',
]);
const FRACTION_0_TO_1 = new Set(['dividendYield']);
const PE = new Set(['peRatio', 'forwardPE']);

/**
 * Why a provider's value for `name` is impossible, or undefined when it is acceptable. Pure.
 * Text where a number belongs is rejected too: a mapper bug or a provider's "N/A" that slipped through.
 */
export function rejectionReason(
  name: string,
  field: FundamentalField,
  bounds: ValidationBounds = DEFAULT_BOUNDS,
): string | undefined {
  const { value } = field;
  if (value === null) return undefined;
  const numeric = isFieldName(name) && !['text', 'date'].includes(FIELD_CATALOG[name].unit);
  if (typeof value !== 'number')
    return numeric ? `${name} must be a number, got text ${JSON.stringify(value.slice(0, 40))}` : undefined;
  if (MUST_BE_POSITIVE.has(name) && value <= 0) return `${name} must be positive, got ${value}`;
  if (FRACTION_0_TO_1.has(name) && (value < 0 || value > 1))
    return `${name} must be between 0 and 100 %, got ${+(value * 100).toPrecision(12)} %`;
  if (PE.has(name) && (value <= bounds.peMin || value > bounds.peMax)) {
    return `${name} must be above ${bounds.peMin} and at most ${bounds.peMax}, got ${value}`;
  }
  if (name === 'beta' && Math.abs(value) > bounds.betaMaxAbs)
    return `beta must be within ±${bounds.betaMaxAbs}, got ${value}`;
  if (name === 'employees' && value < 0) return `employees must be 0 or more, got ${value}`;
  return undefined;
}
