// A minimal MessagePack codec (https://github.com/msgpack/msgpack/blob/master/spec.md) for mock
// venues that must speak it (Alpaca sends msgpack when asked with `Content-Type: application/msgpack`,
// and its official SDK always asks). Covers nil, booleans, numbers, strings, binary, arrays, maps
// and the timestamp extension (type -1) with nanoseconds. Not a hot path.

/** A msgpack timestamp (extension type -1): seconds since the epoch plus nanoseconds. */
export class MsgpackTimestamp {
  constructor(
    readonly sec: number,
    readonly nsec: number,
  ) {}
}

export function encodeMsgpack(value: unknown): Buffer {
  const parts: Buffer[] = [];
  write(value, parts);
  return Buffer.concat(parts);
}

function head(byte: number, size: number, length: number): Buffer {
  const b = Buffer.alloc(1 + size);
  b[0] = byte;
  if (size === 1) b.writeUInt8(length, 1);
  else if (size === 2) b.writeUInt16BE(length, 1);
  else if (size === 4) b.writeUInt32BE(length, 1);
  return b;
}

function lengthHead(length: number, fix: number, fixMax: number, codes: [number, number, number]): Buffer {
  if (length <= fixMax) return Buffer.from([fix | length]);
  if (length < 0x100 && codes[0] !== 0) return head(codes[0], 1, length);
  return length < 0x10000 ? head(codes[1], 2, length) : head(codes[2], 4, length);
}

function write(value: unknown, out: Buffer[]): void {
  if (value === null || value === undefined) out.push(Buffer.from([0xc0]));
  else if (typeof value === 'boolean') out.push(Buffer.from([value ? 0xc3 : 0xc2]));
  else if (typeof value === 'number') out.push(number(value));
  else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    out.push(lengthHead(bytes.length, 0xa0, 31, [0xd9, 0xda, 0xdb]), bytes);
  } else if (Buffer.isBuffer(value)) out.push(lengthHead(value.length, 0, -1, [0xc4, 0xc5, 0xc6]), value);
  else if (value instanceof MsgpackTimestamp) out.push(timestamp(value));
  else if (Array.isArray(value)) {
    out.push(lengthHead(value.length, 0x90, 15, [0, 0xdc, 0xdd]));
    for (const item of value) write(item, out);
  } else if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    out.push(lengthHead(entries.length, 0x80, 15, [0, 0xde, 0xdf]));
    for (const [k, v] of entries) {
      write(k, out);
      write(v, out);
    }
  } else throw new TypeError(`msgpack: cannot encode ${typeof value}`);
}

function number(n: number): Buffer {
  if (Number.isSafeInteger(n)) {
    if (n >= 0 && n < 0x80) return Buffer.from([n]);
    if (n < 0 && n >= -32) return Buffer.from([0xe0 | (n + 32)]);
    const b = Buffer.alloc(9);
    if (n >= 0 && n <= 0xffffffff) {
      b[0] = 0xce;
      b.writeUInt32BE(n, 1);
      return b.subarray(0, 5);
    }
    b[0] = n >= 0 ? 0xcf : 0xd3;
    if (n >= 0) b.writeBigUInt64BE(BigInt(n), 1);
    else b.writeBigInt64BE(BigInt(n), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xcb;
  b.writeDoubleBE(n, 1);
  return b;
}

function timestamp(t: MsgpackTimestamp): Buffer {
  if (t.nsec === 0 && t.sec >= 0 && t.sec <= 0xffffffff) {
    const b = Buffer.from([0xd6, 0xff, 0, 0, 0, 0]);
    b.writeUInt32BE(t.sec, 2);
    return b;
  }
  const b = Buffer.alloc(15);
  b[0] = 0xc7;
  b[1] = 12;
  b[2] = 0xff;
  b.writeUInt32BE(t.nsec, 3);
  b.writeBigInt64BE(BigInt(t.sec), 7);
  return b;
}

/** Decodes one msgpack value; throws on truncated or unsupported input. */
export function decodeMsgpack(data: Buffer): unknown {
  const reader = { data, at: 0 };
  const value = read(reader);
  if (reader.at !== data.length) throw new Error('msgpack: trailing bytes');
  return value;
}

interface Reader {
  data: Buffer;
  at: number;
}

function take(r: Reader, n: number): Buffer {
  if (r.at + n > r.data.length) throw new Error('msgpack: truncated');
  const b = r.data.subarray(r.at, r.at + n);
  r.at += n;
  return b;
}

function read(r: Reader): unknown {
  const byte = take(r, 1)[0] as number;
  if (byte < 0x80) return byte;
  if (byte >= 0xe0) return byte - 0x100;
  if ((byte & 0xf0) === 0x80) return map(r, byte & 0x0f);
  if ((byte & 0xf0) === 0x90) return list(r, byte & 0x0f);
  if ((byte & 0xe0) === 0xa0) return take(r, byte & 0x1f).toString('utf8');
  switch (byte) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return Buffer.from(take(r, size(r, byte - 0xc4)));
    case 0xca:
      return take(r, 4).readFloatBE(0);
    case 0xcb:
      return take(r, 8).readDoubleBE(0);
    case 0xcc:
      return take(r, 1).readUInt8(0);
    case 0xcd:
      return take(r, 2).readUInt16BE(0);
    case 0xce:
      return take(r, 4).readUInt32BE(0);
    case 0xcf:
      return Number(take(r, 8).readBigUInt64BE(0));
    case 0xd0:
      return take(r, 1).readInt8(0);
    case 0xd1:
      return take(r, 2).readInt16BE(0);
    case 0xd2:
      return take(r, 4).readInt32BE(0);
    case 0xd3:
      return Number(take(r, 8).readBigInt64BE(0));
    case 0xd6:
      return extension(r, 4);
    case 0xd7:
      return extension(r, 8);
    case 0xc7:
      return extension(r, take(r, 1).readUInt8(0));
    case 0xd9:
    case 0xda:
    case 0xdb:
      return take(r, size(r, byte - 0xd9)).toString('utf8');
    case 0xdc:
    case 0xdd:
      return list(r, size(r, byte - 0xdc + 1));
    case 0xde:
    case 0xdf:
      return map(r, size(r, byte - 0xde + 1));
    default:
      throw new Error(`msgpack: unsupported type byte 0x${byte.toString(16)}`);
  }
}

/** Only the timestamp extension (type -1) is known; anything else fails loudly. */
function extension(r: Reader, length: number): MsgpackTimestamp {
  const type = take(r, 1).readInt8(0);
  const data = take(r, length);
  if (type !== -1) throw new Error(`msgpack: unsupported extension type ${type}`);
  if (length === 4) return new MsgpackTimestamp(data.readUInt32BE(0), 0);
  if (length === 8) {
    const high = data.readUInt32BE(0);
    return new MsgpackTimestamp((high & 0x3) * 2 ** 32 + data.readUInt32BE(4), high >>> 2);
  }
  if (length === 12) return new MsgpackTimestamp(Number(data.readBigInt64BE(4)), data.readUInt32BE(0));
  throw new Error(`msgpack: bad timestamp length ${length}`);
}

/** Length field of 1, 2 or 4 bytes (`which` 0, 1, 2). */
function size(r: Reader, which: number): number {
  if (which === 0) return take(r, 1).readUInt8(0);
  return which === 1 ? take(r, 2).readUInt16BE(0) : take(r, 4).readUInt32BE(0);
}

function list(r: Reader, n: number): unknown[] {
  return Array.from({ length: n }, () => read(r));
}

function map(r: Reader, n: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = read(r);
    out[String(key)] = read(r);
  }
  return out;
}
