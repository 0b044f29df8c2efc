import { Packr } from 'msgpackr';

/**
 * Entry payload codecs. An entry's field `d` holds one record or an array of records; `v` holds the
 * schema version. msgpack is the default; JSON is for debugging with redis-cli. Readers tell them
 * apart by the first byte, since our payloads are always a map or an array: JSON starts with `{` or
 * `[`, msgpack with a map or array marker (0x80-0x9f, 0xdc-0xdf).
 */
export const ENTRY_SCHEMA_VERSION = 1;

export type CodecName = 'msgpack' | 'json';

export interface Codec {
  readonly name: CodecName;
  encode(payload: unknown): Buffer;
  decode(bytes: Buffer): unknown;
}

// Plain msgpack maps (no msgpackr record extension) so any language's msgpack library can read them.
const packr = new Packr({ useRecords: false, moreTypes: false });

export const msgpackCodec: Codec = {
  name: 'msgpack',
  encode: (payload) => packr.pack(payload),
  decode: (bytes) => packr.unpack(bytes) as unknown,
};

export const jsonCodec: Codec = {
  name: 'json',
  encode: (payload) => Buffer.from(JSON.stringify(payload)),
  decode: (bytes) => JSON.parse(bytes.toString('utf8')) as unknown,
};

export function codecByName(name: CodecName): Codec {
  return name === 'json' ? jsonCodec : msgpackCodec;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/** Decodes a payload written by either codec. */
export function decodeAny(bytes: Buffer): unknown {
  const first = bytes[0];
  if (first === undefined) throw new Error('empty entry payload');
  return first === OPEN_BRACE || first === OPEN_BRACKET
    ? jsonCodec.decode(bytes)
    : msgpackCodec.decode(bytes);
}

/** The records of a payload: a batch entry holds an array, a single entry one object. */
export function recordsOf(payload: unknown): unknown[] {
  return Array.isArray(payload) ? payload : [payload];
}
