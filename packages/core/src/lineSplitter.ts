import { CoreError } from './coreError';

/**
 * The longest line any Tickline reader of a line-oriented file accepts (tick JSONL, recorded frames,
 * cache CSV): 1 MiB of text, counted in UTF-16 code units without the line break, so at least 1 MiB of
 * UTF-8. Real lines are a few hundred characters; a longer one means a wrong or hostile file (`/dev/zero`,
 * a binary file, a gzip bomb of one line), and holding it would cost memory without bound.
 */
export const MAX_LINE_LENGTH = 1024 * 1024;

/** The error of a line longer than the limit: `LINE_TOO_LONG`, naming the file and the line's 1-based number. */
export function lineTooLong(source: string, line: number, limit: number): CoreError {
  return new CoreError(
    'LINE_TOO_LONG',
    `${source}:${line}: line longer than ${limit} characters (the limit for line-oriented files); wrong file?`,
  );
}

export interface LineSplitterOptions {
  /** The file (or other input) named in errors. */
  source: string;
  /** Default {@link MAX_LINE_LENGTH}. */
  maxLineLength?: number;
}

/**
 * Splits text arriving in chunks into lines (`\n`, a `\r` before it dropped), in one pass: each chunk is
 * searched once from where the last line ended, and the unfinished line's pieces are kept apart and joined
 * only when its end arrives, so the work is linear in the input whatever the chunking. A line growing past
 * the limit fails at once, while at most the limit plus one chunk is held, with the number of that line.
 */
export class LineSplitter {
  private readonly source: string;
  private readonly limit: number;
  private pending: string[] = [];
  private pendingLength = 0;
  private lines = 0;
  /** Characters examined so far: each character of the input once. */
  scanned = 0;

  constructor(options: LineSplitterOptions) {
    this.source = options.source;
    this.limit = options.maxLineLength ?? MAX_LINE_LENGTH;
  }

  /** Calls `each` with every line the chunk completes and its 1-based number (blank lines included). */
  push(chunk: string, each: (line: string, number: number) => void): void {
    let from = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', from)) {
      let line = chunk.slice(from, end);
      if (this.pendingLength > 0) line = this.takePending() + line;
      if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      if (line.length > this.limit) throw this.tooLong();
      this.scanned += end + 1 - from;
      from = end + 1;
      each(line, ++this.lines);
    }
    const rest = chunk.length - from;
    if (rest === 0) return;
    // A trailing `\r` may still be the start of a `\r\n`: it is allowed one character over the limit.
    if (this.pendingLength + rest > this.limit + 1) throw this.tooLong();
    this.pending.push(from === 0 ? chunk : chunk.slice(from));
    this.pendingLength += rest;
    this.scanned += rest;
  }

  /** At the end of the input: the last line when it has no line break. */
  end(each: (line: string, number: number) => void): void {
    if (this.pendingLength === 0) return;
    let line = this.takePending();
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length > this.limit) throw this.tooLong();
    each(line, ++this.lines);
  }

  private takePending(): string {
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    return text;
  }

  private tooLong(): CoreError {
    this.pending = [];
    this.pendingLength = 0;
    return lineTooLong(this.source, this.lines + 1, this.limit);
  }
}

/**
 * For readers that hold a whole text (the cache's year files): the first line longer than `limit`
 * (1-based number and where it starts), or undefined. It looks only near every limit-th character: the
 * last line break within `limit` of a line's start proves every line up to it short, so a year file
 * costs some 50 backward searches of a line or so each, not a search per line.
 */
export function longLineIn(
  text: string,
  limit = MAX_LINE_LENGTH,
): { line: number; offset: number } | undefined {
  let from = 0; // a line start
  while (text.length - from > limit) {
    const end = text.lastIndexOf('\n', from + limit);
    if (end >= from) from = end + 1;
    else if (endsAt(text, from + limit)) {
      from += limit + 2; // exactly the limit, then \r\n or a last \r
    } else return { line: lineNumberAt(text, from), offset: from };
  }
  return undefined;
}

/** Whether a `\r` at `at` ends a line: `\r\n`, or `\r` at the end of the text. */
function endsAt(text: string, at: number): boolean {
  return text.charCodeAt(at) === 13 && (at + 1 === text.length || text.charCodeAt(at + 1) === 10);
}

function lineNumberAt(text: string, offset: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) line++;
  return line;
}
