import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readBinanceRecording } from '../src/binance/binanceRecording';
import { RecordingWriter, type RecordedFrame } from '../src/recording/recordingFile';
import type { VenueError } from '../src/venueError';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tickline-rec-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(path: string, onBad?: (e: VenueError) => void): Promise<RecordedFrame[]> {
  const frames: RecordedFrame[] = [];
  for await (const f of readBinanceRecording(path, onBad)) frames.push(f);
  return frames;
}

const frame =
  '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}';

describe('recording files', () => {
  it("writes Tickline's gzip JSONL and reads it back exactly", async () => {
    const path = join(dir, 'session.jsonl.gz');
    const writer = new RecordingWriter(path);
    writer.write({ t: 1723161255400, venue: 'binance', frame });
    writer.write({ t: 1723161255500, venue: 'binance', frame: 'not even json' });
    await writer.close();
    expect(gunzipSync(readFileSync(path)).toString().split('\n')[0]).toBe(
      JSON.stringify({ t: 1723161255400, venue: 'binance', frame }),
    );
    expect(await readAll(path)).toEqual([
      { t: 1723161255400, venue: 'binance', frame },
      { t: 1723161255500, venue: 'binance', frame: 'not even json' },
    ]);
  });

  it('reads raw-frame lines (the bundled sessions), timed by event time, plain or gzip', async () => {
    const path = join(dir, 'raw.jsonl');
    const bookTicker =
      '{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"2","A":"1"}}';
    writeFileSync(path, `${frame}\n\n${bookTicker}\ngarbage line\n`);
    const bad: string[] = [];
    const frames = await readAll(path, (e) => bad.push(e.message));
    expect(frames).toEqual([
      { t: 1723161255343, venue: 'binance', frame },
      { t: 1723161255343, venue: 'binance', frame: bookTicker },
    ]);
    expect(bad).toEqual([`${path}:4: neither a recorded frame nor JSON`]);

    const bundled = join(
      __dirname,
      '../data/binance/spot_BTCUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
    );
    const session = await readAll(bundled);
    expect(session).toHaveLength(19_904);
    expect(session[0]).toEqual({ t: 1723161255343, venue: 'binance', frame });
  });

  it('refuses a line over the limit at once, naming the file and line (/dev/zero, a one-line gzip bomb)', async () => {
    const started = Date.now();
    await expect(readAll('/dev/zero')).rejects.toThrow(/^\/dev\/zero:1: line longer than 1048576 characters/);
    const bomb = join(dir, 'bomb.jsonl.gz');
    writeFileSync(bomb, gzipSync(`${frame}\n${'x'.repeat(50 * 1024 * 1024)}\n`));
    const frames: RecordedFrame[] = [];
    const reading = (async () => {
      for await (const f of readBinanceRecording(bomb)) frames.push(f);
    })();
    await expect(reading).rejects.toMatchObject({
      code: 'BAD_RECORDING',
      message: expect.stringMatching(/bomb\.jsonl\.gz:2: line longer than 1048576 characters/),
    });
    expect(frames).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('names the file when it cannot be opened', async () => {
    await expect(readAll(join(dir, 'missing.gz'))).rejects.toThrow(/cannot open recording .*missing\.gz/);
  });
});
