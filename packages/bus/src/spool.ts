import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type StreamId } from './streamId';

/** One stream entry kept on disk: its explicit id is fixed before it is written, so a re-send is idempotent. */
export interface SpooledEntry {
  readonly key: string;
  readonly id: StreamId;
  /** Records packed in `payload`. */
  readonly count: number;
  /** When its oldest record was published (ms). */
  readonly bufferedAt: number;
  /** The encoded records, exactly the entry's field `d`. */
  readonly payload: Buffer;
}

/** A spooled entry read back, with the file offset just past it (what `commit` takes once it is stored). */
export interface SpoolRead {
  readonly entry: SpooledEntry;
  readonly end: number;
}

export interface SpoolOptions {
  /** The spool file; its directory is created. The committed offset lives beside it in `<path>.cursor`. */
  readonly path: string;
  /** Disk budget: `append` refuses an entry that would grow the file beyond this many bytes. */
  readonly maxBytes: number;
}

export interface SpoolStats {
  /** Size of the spool file (drained entries included until the spool empties and the file is cut). */
  readonly bytes: number;
  /** Entries and records written and not yet committed as stored in Redis. */
  readonly entries: number;
  readonly records: number;
  /** `bufferedAt` of the oldest uncommitted entry, undefined when there is none. */
  readonly oldestAt: number | undefined;
}

// Frame: u32 length of the rest | u16 key length | key | f64 id ms | u32 id seq | u32 count | f64 bufferedAt | payload
const FIXED = 2 + 8 + 4 + 4 + 8;
/** Read-back size: payloads are views into it (no copy), so a chunk lives until its entries are sent. */
const READ_CHUNK = 1 << 20;

/**
 * An append-only file of stream entries, read back in order: the publisher's overflow while Redis cannot
 * keep up. Writes are plain `write(2)` into the page cache (they survive a crash of the process, not of the
 * machine). A torn frame at the end (a crash mid-write) is cut off when the spool is opened. The file is
 * emptied once every entry in it was committed; until then its size counts against `maxBytes`.
 */
export class Spool {
  private fd: number;
  private end: number;
  private readAt: number;
  private committed: number;
  private counts = { entries: 0, records: 0 };

  private constructor(private readonly options: SpoolOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    takeLock(`${options.path}.lock`);
    this.fd = openSync(options.path, existsSync(options.path) ? 'r+' : 'w+');
    this.committed = Math.min(readCursor(`${options.path}.cursor`), fstatSync(this.fd).size);
    this.readAt = this.committed;
    this.end = this.scan();
    ftruncateSync(this.fd, this.end);
  }

  /** Opens (or creates) the spool at `options.path`; what an earlier process left uncommitted is read first. */
  static open(options: SpoolOptions): Spool {
    return new Spool(options);
  }

  /** True while entries are written and not yet read back. */
  get hasUnread(): boolean {
    return this.readAt < this.end;
  }

  /** Writes one entry at the end; false (nothing written) when it would exceed the disk budget. */
  append(entry: SpooledEntry): boolean {
    const frame = encodeFrame(entry);
    if (this.end + frame.length > this.options.maxBytes) return false;
    writeAll(this.fd, frame, this.end);
    this.end += frame.length;
    this.count(entry);
    return true;
  }

  private count(entry: SpooledEntry): void {
    this.counts.entries += 1;
    this.counts.records += entry.count;
  }

  /**
   * Puts `entries` before everything uncommitted (at a stop: records still in memory are older than the
   * spool's). Rewrites the file: the entries, then the uncommitted range, renamed over the old one.
   * Returns the entries that fit the budget (a prefix); the rest is the caller's to report.
   */
  prepend(entries: readonly SpooledEntry[]): number {
    const frames: Buffer[] = [];
    let size = this.end - this.committed;
    for (const entry of entries) {
      const frame = encodeFrame(entry);
      if (size + frame.length > this.options.maxBytes) break;
      frames.push(frame);
      size += frame.length;
    }
    if (frames.length === 0) return 0;
    const next = `${this.options.path}.new`;
    const fd = openSync(next, 'w');
    let at = 0;
    for (const frame of frames) at += writeAll(fd, frame, at);
    for (let from = this.committed; from < this.end;) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, this.end - from));
      readSync(this.fd, chunk, 0, chunk.length, from);
      at += writeAll(fd, chunk, at);
      from += chunk.length;
    }
    closeSync(fd);
    closeSync(this.fd);
    renameSync(next, this.options.path);
    writeCursor(`${this.options.path}.cursor`, 0);
    this.fd = openSync(this.options.path, 'r+');
    // Meant for a stop: everything uncommitted reads as unread again, the prepended entries first.
    [this.end, this.committed, this.readAt] = [at, 0, 0];
    for (const entry of entries.slice(0, frames.length)) this.count(entry);
    return frames.length;
  }

  /** The next unread entries in write order, up to `maxRecords` records (or one entry when `atLeastOne`). */
  read(maxRecords: number, atLeastOne = false): SpoolRead[] {
    const reads: SpoolRead[] = [];
    let records = 0;
    while (this.readAt < this.end) {
      const chunk = this.chunkAt(this.readAt);
      const base = this.readAt;
      for (let at = 0; at + 4 <= chunk.length;) {
        const size = 4 + chunk.readUInt32LE(at);
        if (at + size > chunk.length) break;
        const entry = decodeFrame(chunk.subarray(at + 4, at + size));
        if (records + entry.count > maxRecords && !(atLeastOne && reads.length === 0)) return reads;
        at += size;
        this.readAt = base + at;
        reads.push({ entry, end: this.readAt });
        records += entry.count;
      }
    }
    return reads;
  }

  /**
   * Everything before `offset` is stored in Redis (`entries` entries of `records` records): it is not
   * read again after a restart. Once all is committed the file is emptied.
   */
  commit(offset: number, entries: number, records: number): void {
    if (offset <= this.committed) return;
    this.committed = offset;
    this.counts.entries -= entries;
    this.counts.records -= records;
    if (this.committed >= this.end) {
      ftruncateSync(this.fd, 0);
      this.end = this.readAt = this.committed = 0;
      this.counts = { entries: 0, records: 0 };
    }
    writeCursor(`${this.options.path}.cursor`, this.committed);
  }

  stats(): SpoolStats {
    const oldestAt = this.committed < this.end ? this.headerAt(this.committed).bufferedAt : undefined;
    return { bytes: this.end, ...this.counts, oldestAt };
  }

  /** Closes the file (removing it when empty, so no husks pile up) and releases the lock. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    const { path } = this.options;
    if (this.end === 0) for (const file of [path, `${path}.cursor`]) rmSync(file, { force: true });
    rmSync(`${path}.lock`, { force: true });
  }

  /** Walks the frames after the committed offset: counts them and returns where the last whole one ends. */
  private scan(): number {
    const size = fstatSync(this.fd).size;
    let at = this.committed;
    while (at + 4 <= size) {
      const header = Buffer.alloc(4);
      readSync(this.fd, header, 0, 4, at);
      const frameSize = 4 + header.readUInt32LE(0);
      if (at + frameSize > size) break;
      this.counts.entries += 1;
      this.counts.records += this.headerAt(at).count;
      at += frameSize;
    }
    return at;
  }

  private headerAt(offset: number): { count: number; bufferedAt: number } {
    const keyLength = Buffer.alloc(2);
    readSync(this.fd, keyLength, 0, 2, offset + 4);
    const tail = Buffer.alloc(24);
    readSync(this.fd, tail, 0, 24, offset + 6 + keyLength.readUInt16LE(0));
    return { count: tail.readUInt32LE(12), bufferedAt: tail.readDoubleLE(16) };
  }

  /** Bytes from `offset`: a read chunk, or the whole frame there when it is larger than one. */
  private chunkAt(offset: number): Buffer {
    const length = Math.min(this.end - offset, READ_CHUNK);
    const head = Buffer.alloc(4);
    readSync(this.fd, head, 0, 4, offset);
    const buffer = Buffer.allocUnsafe(
      Math.max(length, Math.min(4 + head.readUInt32LE(0), this.end - offset)),
    );
    readSync(this.fd, buffer, 0, buffer.length, offset);
    return buffer;
  }
}

function encodeFrame(entry: SpooledEntry): Buffer {
  const key = Buffer.from(entry.key, 'utf8');
  const frame = Buffer.allocUnsafe(4 + FIXED + key.length + entry.payload.length);
  let at = frame.writeUInt32LE(frame.length - 4, 0);
  at = frame.writeUInt16LE(key.length, at);
  at += key.copy(frame, at);
  at = frame.writeDoubleLE(entry.id.ms, at);
  at = frame.writeUInt32LE(entry.id.seq, at);
  at = frame.writeUInt32LE(entry.count, at);
  at = frame.writeDoubleLE(entry.bufferedAt, at);
  entry.payload.copy(frame, at);
  return frame;
}

function decodeFrame(body: Buffer): SpooledEntry {
  const keyLength = body.readUInt16LE(0);
  const key = body.toString('utf8', 2, 2 + keyLength);
  const at = 2 + keyLength;
  return {
    key,
    id: { ms: body.readDoubleLE(at), seq: body.readUInt32LE(at + 8) },
    count: body.readUInt32LE(at + 12),
    bufferedAt: body.readDoubleLE(at + 16),
    payload: body.subarray(at + 24),
  };
}

function writeAll(fd: number, buffer: Buffer, position: number): number {
  let written = 0;
  while (written < buffer.length) {
    written += writeSync(fd, buffer, written, buffer.length - written, position + written);
  }
  return written;
}

/** One process per spool: two writers would interleave frames. A lock left by a dead process is taken over. */
function takeLock(path: string): void {
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readFileSync(path, 'utf8').trim());
  if (holder !== process.pid && isAlive(holder)) {
    throw new Error(`spool ${path.slice(0, -'.lock'.length)} is in use by process ${holder}`);
  }
  writeFileSync(path, String(process.pid));
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readCursor(path: string): number {
  if (!existsSync(path)) return 0;
  const value = Number(readFileSync(path, 'utf8').trim());
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** Write then rename: a crash leaves the old cursor or the new one, never half of one. */
function writeCursor(path: string, offset: number): void {
  writeFileSync(`${path}.tmp`, String(offset));
  renameSync(`${path}.tmp`, path);
}
