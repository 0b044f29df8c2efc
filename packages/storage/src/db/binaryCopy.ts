import type { Bar } from '@tickline/core';

// "PGCOPY\n\377\r\n\0", a 32-bit flags word and a 32-bit header-extension length, both 0.
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const FIELDS = 16;
const FIXED_BYTES = 2 + FIELDS * 4 + 9 * 8 + 4 + 1 + 1;
/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC), where timestamptz counts from. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;

/**
 * The column types, in order, of the binary COPY {@link barsToBinaryCopy} writes: COPY_COLUMNS with
 * `start` a timestamptz (the staging table of upsertBars has exactly these).
 */
export const BINARY_COPY_TYPES = [
  'text', // venue
  'text', // symbol
  'text', // timeframe
  'timestamptz', // start
  'float8', // open
  'float8', // high
  'float8', // low
  'float8', // close
  'float8', // volume
  'int8', // trades
  'float8', // vwap
  'float8', // quality_score
  'jsonb', // quality_flags
  'text', // source
  'int4', // revision
  'bool', // final
] as const;

/**
 * Bars as PostgreSQL's binary COPY format (header, one tuple per bar, trailer) in BINARY_COPY_TYPES:
 * numbers go as their 8 bytes, so the server parses no float text and computes no timestamp, where the
 * text format cost it about as much as inserting the rows. Strings that repeat (venue, symbol, source)
 * are encoded once.
 */
export function barsToBinaryCopy(bars: readonly Bar[]): Buffer {
  const out = new Writer(HEADER.length + bars.length * 160 + 2);
  out.header();
  for (const bar of bars) {
    const venue = out.encoded(bar.venue);
    const symbol = out.encoded(bar.symbol);
    const timeframe = out.encoded(bar.timeframe);
    const source = out.encoded(bar.source);
    const flags = bar.quality.flags.length === 0 ? '[]' : JSON.stringify(bar.quality.flags);
    const flagsBytes = Buffer.byteLength(flags, 'utf8');
    // The fixed part (the field count, 16 lengths, 9 eight-byte numbers, revision, final, the jsonb
    // version byte) and the texts.
    const texts = venue.length + symbol.length + timeframe.length + source.length + flagsBytes;
    out.room(FIXED_BYTES + texts);
    out.int16(FIELDS);
    out.text(venue);
    out.text(symbol);
    out.text(timeframe);
    out.timestamptz(bar.start);
    out.float8(bar.open);
    out.float8(bar.high);
    out.float8(bar.low);
    out.float8(bar.close);
    out.float8(bar.volume);
    out.int8(bar.trades);
    out.float8(bar.vwap);
    out.float8(bar.quality.score);
    out.jsonb(flags, flagsBytes);
    out.text(source);
    out.int32(4);
    out.int32(bar.revision);
    out.int32(1);
    out.byte(bar.final ? 1 : 0);
  }
  out.room(2);
  out.int16(-1);
  return out.done();
}

/**
 * A growing buffer written front to back through a DataView (which V8 compiles to plain loads and
 * stores, unlike Buffer#writeDoubleBE); `room` makes space, the writes after it do not check.
 */
class Writer {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  private readonly cache = new Map<string, Buffer>();

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  /** A string's UTF-8 bytes, encoded once per batch (venues, symbols, sources repeat). */
  encoded(value: string): Buffer {
    let bytes = this.cache.get(value);
    if (bytes === undefined) {
      bytes = Buffer.from(value, 'utf8');
      if (this.cache.size < 1000) this.cache.set(value, bytes);
    }
    return bytes;
  }

  header(): void {
    this.room(HEADER.length);
    this.pos += HEADER.copy(this.buf, this.pos);
  }

  byte(value: number): void {
    this.buf[this.pos++] = value;
  }

  int16(value: number): void {
    this.view.setInt16(this.pos, value);
    this.pos += 2;
  }

  int32(value: number): void {
    this.view.setInt32(this.pos, value);
    this.pos += 4;
  }

  float8(value: number): void {
    this.view.setInt32(this.pos, 8);
    this.view.setFloat64(this.pos + 4, value);
    this.pos += 12;
  }

  /** A whole number of at most 53 bits as an int8 field. */
  int8(value: number): void {
    this.view.setInt32(this.pos, 8);
    this.int64(this.pos + 4, value);
    this.pos += 12;
  }

  /** Epoch ms as a timestamptz field: microseconds since 2000-01-01 UTC. */
  timestamptz(ms: number): void {
    this.view.setInt32(this.pos, 8);
    const micros = (ms - PG_EPOCH_MS) * 1000;
    if (Number.isSafeInteger(micros)) this.int64(this.pos + 4, micros);
    else this.view.setBigInt64(this.pos + 4, BigInt(ms - PG_EPOCH_MS) * 1000n);
    this.pos += 12;
  }

  private int64(at: number, value: number): void {
    const high = Math.floor(value / TWO_32);
    this.view.setInt32(at, high);
    this.view.setUint32(at + 4, value - high * TWO_32);
  }

  text(bytes: Buffer): void {
    this.int32(bytes.length);
    this.pos += bytes.copy(this.buf, this.pos);
  }

  /** jsonb's binary input: a version byte (1), then the JSON text (`length` its UTF-8 bytes). */
  jsonb(json: string, length: number): void {
    this.int32(length + 1);
    this.buf[this.pos++] = 1;
    this.pos += this.buf.write(json, this.pos, length, 'utf8');
  }
}
