import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { CoreError, LineSplitter } from '@tickline/core';
import { VenueError } from '../venueError';

/**
 * One recorded frame: our receive time (epoch ms), the venue, and the raw text frame exactly as
 * received. A recording file is gzip JSONL, one `{"t":..,"venue":..,"frame":".."}` per line.
 */
export interface RecordedFrame {
  t: number;
  venue: string;
  frame: string;
}

export interface ReadRecordingOptions {
  /** Venue given to lines that do not name one (raw-frame lines). */
  venue: string;
  /**
   * Time of a raw-frame line (a bare venue frame, no `t`), from its parsed JSON, e.g. Binance's
   * event time `E`. Lines it cannot time take the previous line's time.
   */
  timeOf?: (frame: unknown) => number | undefined;
  /** A line that is neither format; default: skipped silently after counting. */
  onBadLine?: (error: VenueError) => void;
}

/**
 * Reads a recording, gzip or plain (told apart by the gzip magic bytes), line by line without
 * loading the file. Two line formats, mixed freely:
 * - Tickline's: `{"t":1723161255343,"venue":"binance","frame":"{\"stream\":...}"}`;
 * - raw frames, one venue frame per line as third-party captures store them (the bundled Binance
 *   sessions): the line itself is the frame, timed by `timeOf`.
 */
export async function* readRecording(
  path: string,
  options: ReadRecordingOptions,
): AsyncGenerator<RecordedFrame> {
  const gzip = await isGzip(path);
  const input = createReadStream(path);
  const text = gzip ? input.pipe(createGunzip()) : input;
  if (gzip) input.once('error', (error) => text.destroy(error));
  text.setEncoding('utf8');
  let lastT = 0;
  try {
    for await (const lines of lineBatches(path, text as AsyncIterable<string>)) {
      for (const [line, number] of lines) {
        const frame = parseRecordingLine(line, lastT, options);
        if (frame === undefined) {
          options.onBadLine?.(
            new VenueError('BAD_RECORDING', `${path}:${number}: neither a recorded frame nor JSON`),
          );
          continue;
        }
        lastT = frame.t;
        yield frame;
      }
    }
  } finally {
    input.destroy();
    text.destroy();
  }
}

/**
 * The non-blank lines of `text` with their 1-based numbers, as many at a time as a chunk completes (the
 * shared LineSplitter: linear, MAX_LINE_LENGTH at most). A read error or an over-long line is
 * BAD_RECORDING naming the file and the line.
 */
async function* lineBatches(path: string, text: AsyncIterable<string>): AsyncGenerator<[string, number][]> {
  const splitter = new LineSplitter({ source: path });
  let batch: [string, number][] = [];
  let lineNo = 0;
  const keep = (line: string, number: number) => {
    lineNo = number;
    if (line.trim() !== '') batch.push([line, number]);
  };
  try {
    for await (const chunk of text) {
      splitter.push(chunk, keep);
      if (batch.length > 0) yield batch;
      batch = [];
    }
    splitter.end(keep);
  } catch (error) {
    if (error instanceof CoreError) throw new VenueError('BAD_RECORDING', error.message);
    throw new VenueError('BAD_RECORDING', `${path}:${lineNo + 1}: ${(error as Error).message}`);
  }
  if (batch.length > 0) yield batch;
}

/** One line of either format; undefined when it is not JSON at all. */
export function parseRecordingLine(
  line: string,
  previousT: number,
  options: Pick<ReadRecordingOptions, 'venue' | 'timeOf'>,
): RecordedFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (isRecordedFrame(value)) return { t: value.t, venue: value.venue ?? options.venue, frame: value.frame };
  return { t: options.timeOf?.(value) ?? previousT, venue: options.venue, frame: line };
}

function isRecordedFrame(value: unknown): value is { t: number; venue?: string; frame: string } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.frame === 'string' &&
    typeof v.t === 'number' &&
    (v.venue === undefined || typeof v.venue === 'string')
  );
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r').catch((error: Error) => {
    throw new VenueError('BAD_RECORDING', `cannot open recording ${path}: ${error.message}`);
  });
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Writes Tickline's recording format (gzip JSONL). Rotation by size or hour is the recorder's job. */
export class RecordingWriter {
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  private closing: Promise<void> | undefined;

  constructor(path: string) {
    this.gzip = createGzip();
    this.file = createWriteStream(path);
    this.gzip.pipe(this.file);
  }

  /** Returns false when the caller should wait for 'drain' on {@link stream}. */
  write(frame: RecordedFrame): boolean {
    return this.gzip.write(`${JSON.stringify({ t: frame.t, venue: frame.venue, frame: frame.frame })}\n`);
  }

  get stream(): Gzip {
    return this.gzip;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      this.file.once('finish', resolve);
      this.file.once('error', reject);
      this.gzip.end();
    });
    return this.closing;
  }
}
