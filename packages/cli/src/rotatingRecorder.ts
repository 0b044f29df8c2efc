import { RecordingWriter, type RecordedFrame } from '@tickline/venues';

export interface RotatingRecorderOptions {
  /** First file's path, e.g. `session.jsonl.gz`; later ones insert `-2`, `-3`... before `.jsonl`. */
  readonly path: string;
  /** Start a new file once this many bytes of (uncompressed) lines went into the current one. */
  readonly maxBytes?: number;
  /** Start a new file when the UTC hour of the frames' receive time changes. */
  readonly hourly?: boolean;
}

/** Tickline's recording format, split across files by size and/or hour (`tickline record`). */
export class RotatingRecorder {
  readonly files: string[] = [];
  private writer: RecordingWriter | undefined;
  private bytes = 0;
  private hour = -1;
  private readonly closed: Promise<void>[] = [];

  constructor(private readonly options: RotatingRecorderOptions) {}

  write(frame: RecordedFrame): void {
    const hour = Math.floor(frame.t / 3_600_000);
    const full = this.options.maxBytes !== undefined && this.bytes >= this.options.maxBytes;
    if (!this.writer || full || (this.options.hourly === true && hour !== this.hour)) this.rotate();
    this.hour = hour;
    this.bytes += frame.frame.length + 40;
    this.writer!.write(frame);
  }

  /** Closes the current file; resolves once every file is complete on disk. */
  async close(): Promise<void> {
    if (this.writer) this.closed.push(this.writer.close());
    this.writer = undefined;
    await Promise.all(this.closed);
  }

  private rotate(): void {
    if (this.writer) this.closed.push(this.writer.close());
    const path = rotatedPath(this.options.path, this.files.length + 1);
    this.files.push(path);
    this.writer = new RecordingWriter(path);
    this.bytes = 0;
  }
}

/** The n-th file of a recording: the path itself, then `name-2.jsonl.gz`, `name-3.jsonl.gz`... */
export function rotatedPath(path: string, n: number): string {
  if (n === 1) return path;
  const match = /^(.*?)((\.jsonl)?(\.gz)?)$/.exec(path);
  return `${match?.[1] ?? path}-${n}${match?.[2] ?? ''}`;
}
