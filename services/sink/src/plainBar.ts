import { BarSchema, label, MAX_EPOCH_MS, SymbolSchema, TIMEFRAMES, VENUES, type Bar } from '@tickline/core';

const VENUE_SET = new Set<unknown>(VENUES);
const TIMEFRAME_SET = new Set<unknown>(TIMEFRAMES);
// The keys of BarSchema, and how many of them a bar must have (the others accept undefined: optional).
const BAR_KEYS = new Set(Object.keys(BarSchema.shape));
const REQUIRED_KEYS = Object.values(BarSchema.shape).filter(
  (field) => !field.safeParse(undefined).success,
).length;

/** Strings already seen to pass a check (symbols, sources, flag codes): a stream repeats a few of them. */
class SeenStrings {
  private readonly seen = new Set<string>();
  constructor(private readonly check: (text: string) => boolean) {}
  has(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    if (this.seen.has(value)) return true;
    if (!this.check(value)) return false;
    if (this.seen.size >= 10_000) this.seen.clear();
    this.seen.add(value);
    return true;
  }
}

// Core's own schemas decide; each distinct string is checked once, so their cost stays off the hot path.
const LABEL = label('label');
const symbols = new SeenStrings((s) => SymbolSchema.safeParse(s).success);
const labels = new SeenStrings((s) => LABEL.safeParse(s).success);

const positive = (v: unknown) => typeof v === 'number' && v > 0 && v < Number.POSITIVE_INFINITY;
const nonNegative = (v: unknown) => typeof v === 'number' && v >= 0 && v < Number.POSITIVE_INFINITY;
const unit = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const epochMs = (v: unknown) => Number.isSafeInteger(v) && Math.abs(v as number) <= MAX_EPOCH_MS;

function plainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // Object.prototype of any realm (jest's sandbox decodes in its own), or none: no class instances.
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Whether `record` is a Bar exactly as BarSchema would return it, judged by hand: zod took about as long
 * per bar as reading it off the stream. Narrower than the schema (any doubt, e.g. an optional key present
 * as undefined, says false), so a record it accepts is one BarSchema.parse accepts and returns equal; the
 * caller sends the rest through BarSchema, which then decides and explains.
 */
export function isPlainBar(record: unknown): record is Bar {
  if (!plainObject(record)) return false;
  let keys = 0;
  for (const key in record) {
    if (!BAR_KEYS.has(key) || record[key] === undefined) return false;
    keys++;
  }
  const r = record;
  const optional = (r.end === undefined ? 0 : 1) + (r.notional === undefined ? 0 : 1);
  if (keys !== REQUIRED_KEYS + optional) return false;
  if (!VENUE_SET.has(r.venue) || !TIMEFRAME_SET.has(r.timeframe) || !symbols.has(r.symbol)) return false;
  if (
    !epochMs(r.start) ||
    (r.end !== undefined && !(epochMs(r.end) && (r.end as number) > (r.start as number)))
  )
    return false;
  if (!(positive(r.open) && positive(r.high) && positive(r.low) && positive(r.close) && positive(r.vwap)))
    return false;
  if (!nonNegative(r.volume) || (r.notional !== undefined && !nonNegative(r.notional))) return false;
  if (!count(r.trades) || !count(r.revision) || typeof r.final !== 'boolean' || !labels.has(r.source))
    return false;
  return plainQuality(r.quality);
}

function plainQuality(quality: unknown): boolean {
  if (!plainObject(quality)) return false;
  let keys = 0;
  for (const key in quality) {
    if (key !== 'score' && key !== 'flags') return false;
    keys++;
  }
  const { score, flags } = quality;
  if (keys !== 2 || !unit(score) || !Array.isArray(flags)) return false;
  for (let i = 0; i < flags.length; i++) {
    if (!(i in flags)) return false;
    const flag: unknown = flags[i];
    if (!plainObject(flag)) return false;
    let flagKeys = 0;
    for (const key in flag) {
      if ((key !== 'code' && key !== 'penalty' && key !== 'detail') || flag[key] === undefined) return false;
      flagKeys++;
    }
    const detail = flag.detail;
    if (flagKeys !== (detail === undefined ? 2 : 3) || (detail !== undefined && typeof detail !== 'string'))
      return false;
    if (!labels.has(flag.code) || !unit(flag.penalty)) return false;
  }
  return true;
}
