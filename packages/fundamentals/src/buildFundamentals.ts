import { FundamentalsSchema, type FundamentalField, type Fundamentals } from '@tickline/core';
import { FIELD_CATALOG, type FieldName } from './fieldCatalog';
import { parseWith } from './parseWith';

/** One mapped value before provenance is attached; undefined and null values are dropped. */
export interface RawField {
  name: FieldName;
  value: number | string | null | undefined;
  /** Only when the money amount is in another currency than the record's. */
  currency?: string;
  asOf?: number;
  period?: string;
}

export interface BuildInput {
  source: string;
  symbol: string;
  fetchedAt: number;
  asOf: number;
  currency: string;
  fields: readonly RawField[];
}

/**
 * A validated core record from a mapper's raw fields: each field gets its unit from the catalogue
 * and the provider and fetch time as provenance. An invalid result is the provider's fault (BAD_RESPONSE).
 */
export function buildFundamentals(input: BuildInput): Fundamentals {
  const fields: Record<string, FundamentalField> = {};
  for (const raw of input.fields) {
    if (raw.value === null || raw.value === undefined) continue;
    fields[raw.name] = toField(raw, input);
  }
  const record = { symbol: input.symbol, asOf: input.asOf, currency: input.currency, fields };
  return parseWith(FundamentalsSchema, record, input.source, `${input.symbol} maps to an invalid record`);
}

function toField(raw: RawField, input: BuildInput): FundamentalField {
  const unit = FIELD_CATALOG[raw.name].unit;
  const field: FundamentalField = {
    value: raw.value ?? null,
    source: input.source,
    fetchedAt: input.fetchedAt,
  };
  if (unit !== 'money' && unit !== 'text') field.unit = unit;
  if (raw.currency !== undefined && raw.currency !== input.currency) field.currency = raw.currency;
  if (raw.asOf !== undefined) field.asOf = raw.asOf;
  if (raw.period !== undefined) field.period = raw.period;
  return field;
}
