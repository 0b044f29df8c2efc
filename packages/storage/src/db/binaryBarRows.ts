import type { Bar, QualityFlag, Timeframe, Venue } from '@tickline/core';
import { StorageError } from '../storageError';

/**
 * The select list whose binary COPY output BinaryBarRows decodes, in this order and with these types:
 * start (epoch ms, float8), open..volume, trades, vwap, quality_score (float8), quality_flags (text,
 * NULL when empty), source (text), revision (int4), final (bool).
 */
export const BINARY_BAR_SELECT = `date_part('epoch', start) * 1000, open, high, low, close, volume,
  trades::float8, vwap, quality_score, nullif(quality_flags, '[]')::text, source, revision, final`;

const FIELDS = 13;
// "PGCOPY\n\377\r\n\0", then a 32-bit flags word and a 32-bit header-extension length.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** What every decoded row shares (not fetched: three strings a row saved). */
export interface BarIdentity {
  venue: Venue;
  symbol: string;
  timeframe: Timeframe;
}

/**
 * Decodes PostgreSQL's binary COPY format for BINARY_BAR_SELECT, chunk by chunk as the stream delivers
 * it: floats are read straight from the buffer, with no per-field string as the text protocol needs.
 */
export class BinaryBarRows {
  private rest: Buffer = Buffer.alloc(0);
  private headerRead = false;
  private ended = false;

  constructor(private readonly identity: BarIdentity) {}

  /** The bars completed by `chunk`; a row split across chunks is kept until its end arrives. */
  push(chunk: Buffer): Bar[] {
    const buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    let pos = 0;
    if (!this.headerRead) {
      if (buf.length < SIGNATURE.length + 8) return this.keep(buf, 0, []);
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw corrupt('no PGCOPY signature');
      pos = SIGNATURE.length + 8 + buf.readInt32BE(SIGNATURE.length + 4);
      this.headerRead = true;
    }
    const bars: Bar[] = [];
    while (!this.ended) {
      const next = this.row(buf, pos, bars);
      if (next < 0) break;
      pos = next;
    }
    return this.keep(buf, pos, bars);
  }

  /** Throws when the stream stopped before its trailer. */
  finish(): void {
    if (!this.ended) throw corrupt('the COPY stream ended without its trailer');
  }

  private keep(buf: Buffer, pos: number, bars: Bar[]): Bar[] {
    this.rest = buf.subarray(pos);
    return bars;
  }

  /** Decodes the row at `pos` into `bars`; returns the position after it, or -1 when it is incomplete. */
  private row(buf: Buffer, pos: number, bars: Bar[]): number {
    if (pos + 2 > buf.length) return -1;
    const count = buf.readInt16BE(pos);
    if (count === -1) {
      this.ended = true;
      return pos + 2;
    }
    if (count !== FIELDS) throw corrupt(`a row of ${count} fields, expected ${FIELDS}`);
    // Fixed part: 9 float8 fields (4 + 8 bytes each); then flags, source (variable), revision, final.
    let p = pos + 2;
    if (p + 9 * 12 + 4 > buf.length) return -1;
    const f: number[] = new Array<number>(9);
    for (let i = 0; i < 9; i++, p += 12) f[i] = buf.readDoubleBE(p + 4);
    const flagsLength = buf.readInt32BE(p);
    const flagsEnd = p + 4 + Math.max(flagsLength, 0);
    if (flagsEnd + 4 > buf.length) return -1;
    const sourceLength = buf.readInt32BE(flagsEnd);
    const sourceEnd = flagsEnd + 4 + sourceLength;
    const end = sourceEnd + 8 + 5;
    if (end > buf.length) return -1;
    const flags = flagsLength < 0 ? [] : (JSON.parse(buf.toString('utf8', p + 4, flagsEnd)) as QualityFlag[]);
    bars.push({
      venue: this.identity.venue,
      symbol: this.identity.symbol,
      timeframe: this.identity.timeframe,
      start: Math.round(f[0]!),
      open: f[1]!,
      high: f[2]!,
      low: f[3]!,
      close: f[4]!,
      volume: f[5]!,
      trades: f[6]!,
      vwap: f[7]!,
      final: buf[end - 1] === 1,
      revision: buf.readInt32BE(sourceEnd + 4),
      quality: { score: f[8]!, flags },
      source: buf.toString('utf8', flagsEnd + 4, sourceEnd),
    });
    return end;
  }
}

function corrupt(what: string): StorageError {
  return new StorageError('QUERY_FAILED', `unreadable binary COPY output from PostgreSQL: ${what}`);
}
