import { readRecording } from '@tickline/venues';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotatingRecorder, rotatedPath } from '../src/rotatingRecorder';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tlrotate-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function framesOf(path: string): Promise<number[]> {
  const out: number[] = [];
  for await (const f of readRecording(path, { venue: 'binance' })) out.push(f.t);
  return out;
}

describe('RotatingRecorder', () => {
  it('names later files name-2.jsonl.gz, name-3.jsonl.gz...', () => {
    expect(rotatedPath('/x/s.jsonl.gz', 1)).toBe('/x/s.jsonl.gz');
    expect(rotatedPath('/x/s.jsonl.gz', 2)).toBe('/x/s-2.jsonl.gz');
    expect(rotatedPath('/x/s.gz', 3)).toBe('/x/s-3.gz');
    expect(rotatedPath('/x/s', 2)).toBe('/x/s-2');
  });

  it('starts a new file at each UTC hour, keeping every frame once and in order', async () => {
    const recorder = new RotatingRecorder({ path: join(dir, 'r.jsonl.gz'), hourly: true });
    const hour = 3_600_000;
    const times = [10 * hour + 1, 10 * hour + 2, 11 * hour, 11 * hour + 5, 12 * hour + 1];
    for (const t of times) recorder.write({ t, venue: 'binance', frame: `{"t":${t}}` });
    await recorder.close();
    expect(recorder.files).toHaveLength(3);
    const read = await Promise.all(recorder.files.map(framesOf));
    expect(read).toEqual([times.slice(0, 2), times.slice(2, 4), times.slice(4)]);
  });

  it('starts a new file once the size limit is reached', async () => {
    const recorder = new RotatingRecorder({ path: join(dir, 'r.jsonl.gz'), maxBytes: 1000 });
    const frame = 'x'.repeat(200);
    for (let t = 1; t <= 20; t++) recorder.write({ t, venue: 'binance', frame });
    await recorder.close();
    // ~240 bytes a line: a file ends with the line that reaches 1000 bytes, so 5 lines a file.
    expect(recorder.files.length).toBe(4);
    const read = (await Promise.all(recorder.files.map(framesOf))).flat();
    expect(read).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
