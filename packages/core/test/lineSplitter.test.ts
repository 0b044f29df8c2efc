import fc from 'fast-check';
import { CoreError, LineSplitter, longLineIn, MAX_LINE_LENGTH } from '@tickline/core';

/** What a split must give, written without the splitter's logic: String.split, the last empty piece dropped. */
function reference(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** `text` cut at `cuts` (positions, any order, repeats allowed). */
function chunksOf(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const cut of [...at, text.length]) {
    chunks.push(text.slice(from, cut));
    from = cut;
  }
  return chunks;
}

function split(chunks: readonly string[], maxLineLength?: number) {
  const splitter = new LineSplitter({ source: 'f.jsonl', maxLineLength });
  const lines: [string, number][] = [];
  const each = (line: string, number: number) => lines.push([line, number]);
  for (const chunk of chunks) splitter.push(chunk, each);
  splitter.end(each);
  return { lines, scanned: splitter.scanned };
}

// Lines made of few characters, so line breaks, `\r`, blank lines and long runs all come up often.
const text = fc.string({ unit: fc.constantFrom('a', 'b', '\n', '\r', 'é', '{', ' '), maxLength: 300 });
const cuts = fc.array(fc.nat(), { maxLength: 40 });

describe('LineSplitter', () => {
  it('gives the lines of a reference split, numbered from 1, however the text is cut into chunks', () => {
    fc.assert(
      fc.property(text, cuts, (input, at) => {
        const { lines, scanned } = split(chunksOf(input, at));
        expect(lines).toEqual(reference(input).map((line, i) => [line, i + 1]));
        expect(scanned).toBe(input.length); // each character examined once: no rescan of a held line
      }),
      { numRuns: 500 },
    );
  });

  it('fails on the first line over the limit with its number, whatever the chunking; longLineIn agrees', () => {
    fc.assert(
      fc.property(text, cuts, fc.integer({ min: 0, max: 12 }), (input, at, limit) => {
        const expected = reference(input).findIndex((line) => line.length > limit);
        const run = () => split(chunksOf(input, at), limit);
        if (expected === -1) {
          expect(run().lines).toHaveLength(reference(input).length);
          expect(longLineIn(input, limit)).toBeUndefined();
          return;
        }
        expect(run).toThrow(
          new CoreError(
            'LINE_TOO_LONG',
            `f.jsonl:${expected + 1}: line longer than ${limit} characters (the limit for line-oriented files); wrong file?`,
          ),
        );
        expect(longLineIn(input, limit)?.line).toBe(expected + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('fails a line without end (/dev/zero) as soon as it passes the limit, holding no more than that', () => {
    const splitter = new LineSplitter({ source: '/dev/zero' });
    const chunk = '\0'.repeat(65_536);
    let pushed = 0;
    const started = Date.now();
    expect(() => {
      for (let i = 0; i < 1000; i++) {
        splitter.push(chunk, () => undefined);
        pushed++;
      }
    }).toThrow(/^\/dev\/zero:1: line longer than 1048576 characters/);
    expect(pushed).toBe(MAX_LINE_LENGTH / chunk.length); // the next chunk failed, before being kept
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('takes a line of exactly the limit, also with \\r\\n cut between the two', () => {
    const line = 'x'.repeat(MAX_LINE_LENGTH);
    expect(split([line, '\r', '\nnext']).lines).toEqual([
      [line, 1],
      ['next', 2],
    ]);
    expect(() => split([line, 'y\n'])).toThrow(/:1: line longer/);
  });

  it('joins a long line pushed a character at a time in linear time', () => {
    const started = Date.now();
    const splitter = new LineSplitter({ source: 'slow' });
    let got = '';
    for (let i = 0; i < 500_000; i++) splitter.push('a', () => undefined);
    splitter.push('\n', (line) => (got = line));
    expect(got.length).toBe(500_000);
    expect(splitter.scanned).toBe(500_001);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
