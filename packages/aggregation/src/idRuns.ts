// Trade ids in a snapshot, compactly. Venue trade ids are mostly decimal integers, and one instrument's
// come one after another (Binance numbers each symbol's trades consecutively), so a minute of ids becomes a
// handful of numbers instead of thousands of strings: the snapshot is written with every commit, and with an
// hour's revision window its id strings had grown to most of the aggregator service's CPU.
//
// Tokens, in arrival order, each a non-negative safe integer: `2·zigzag(delta)` for an id `delta` away from
// the previous one (the first from 0), and `2·n + 1` for n ids in a row each one above the previous.

/** Ids at or above this stay strings (the tokens must stay safe integers). */
const LIMIT = 1e15;

/** `id` as a number when it is a canonical decimal integer below 10^15 ("42", not "042" or "4.2"); else -1. */
export function canonicalId(id: string): number {
  const length = id.length;
  if (length === 0 || length > 15) return -1;
  const first = id.charCodeAt(0);
  if (first === 48) return length === 1 ? 0 : -1;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = id.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value < LIMIT ? value : -1;
}

/** Builds the tokens of ids added one by one (each a canonicalId value). */
export class IdRunEncoder {
  private readonly encoded: number[] = [];
  private previous = 0;
  /** Ids one above their predecessor not yet written as a run token. */
  private run = 0;

  add(value: number): void {
    if (value === this.previous + 1) this.run++;
    else {
      this.flushRun();
      const delta = value - this.previous;
      this.encoded.push(2 * (delta >= 0 ? 2 * delta : -2 * delta - 1));
    }
    this.previous = value;
  }

  /** The tokens of every id added so far (a copy). */
  tokens(): number[] {
    const tokens = this.encoded.slice();
    if (this.run > 0) tokens.push(2 * this.run + 1);
    return tokens;
  }

  reset(): void {
    this.encoded.length = 0;
    this.previous = 0;
    this.run = 0;
  }

  private flushRun(): void {
    if (this.run === 0) return;
    this.encoded.push(2 * this.run + 1);
    this.run = 0;
  }
}

/** Calls `each` with every id the tokens hold, as its canonical string, in the order they were added. */
export function decodeIdRuns(tokens: readonly number[], each: (id: string) => void): void {
  let previous = 0;
  for (const [index, token] of tokens.entries()) {
    if (!Number.isSafeInteger(token) || token < 0) {
      throw new Error(`trade id run token ${index} is ${String(token)}, not a non-negative integer`);
    }
    if (token % 2 === 1) {
      const count = (token - 1) / 2;
      if (previous + count >= LIMIT)
        throw new Error(`trade id run token ${index} leads to id ${previous + count}`);
      for (let n = 0; n < count; n++) each(String(++previous));
      continue;
    }
    const zigzag = token / 2;
    previous += zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    if (previous < 0 || previous >= LIMIT)
      throw new Error(`trade id run token ${index} leads to id ${previous}`);
    each(String(previous));
  }
}
