// WebSocket text frames as a server sends them (RFC 6455 §5.2: FIN, opcode 1, no mask), encoded in
// one buffer so a mock can hand thousands of frames to the socket in one write. For benchmarks,
// where building one message per `ws.send` call would make the mock the bottleneck.

/** Header size of an unmasked frame carrying `length` payload bytes. */
function headerSize(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

function writeHeader(out: Buffer, at: number, length: number): number {
  out[at] = 0x81;
  if (length < 126) {
    out[at + 1] = length;
    return at + 2;
  }
  if (length < 65_536) {
    out[at + 1] = 126;
    out.writeUInt16BE(length, at + 2);
    return at + 4;
  }
  out[at + 1] = 127;
  out.writeBigUInt64BE(BigInt(length), at + 2);
  return at + 10;
}

/** The frames of `texts`, back to back: what the socket would carry after one `ws.send` per text. */
export function encodeTextFrames(texts: readonly string[]): Buffer {
  const lengths = texts.map((t) => Buffer.byteLength(t));
  const total = lengths.reduce((n, l) => n + headerSize(l) + l, 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  texts.forEach((text, i) => {
    const length = lengths[i]!;
    at = writeHeader(out, at, length);
    at += out.write(text, at, length, 'utf8');
  });
  return out;
}
