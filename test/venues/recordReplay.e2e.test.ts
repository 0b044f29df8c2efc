import { spawnTs, waitFor } from '@tickline/testkit';
import { BinanceMockServer, readRecording } from '@tickline/venues';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';

const cli = join(__dirname, '../../packages/cli/src/main.ts');
const SESSION = join(
  __dirname,
  '../../packages/venues/data/binance/spot_ETHUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz',
);
const SLICE = 400;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A bare client on `/stream?streams=<stream>`, gathering every frame it gets. */
async function subscriber(url: string, stream: string): Promise<{ ws: WebSocket; frames: string[] }> {
  const ws = new WebSocket(`${url}/stream?streams=${stream}`);
  const frames: string[] = [];
  ws.on('message', (data: Buffer) => frames.push(data.toString()));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, frames };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlrecord-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('tickline record against tickline mock-venue writes a file that the mock replays to the same frames', async () => {
  const lines = gunzipSync(readFileSync(SESSION)).toString('utf8').split('\n').slice(0, SLICE);
  const slice = join(dir, 'slice.jsonl');
  writeFileSync(slice, `${lines.join('\n')}\n`);

  const mock = spawnTs(cli, ['mock-venue', '--venue', 'binance', '--file', slice, '--speed', 'max']);
  await mock.waitForStdout(/TICKLINE_BINANCE_WS_URL=ws:\/\/\S+/);
  const url = /TICKLINE_BINANCE_WS_URL=(\S+)/.exec(mock.stdout())![1]!;
  const out = join(dir, 'rec.jsonl.gz');
  const record = spawnTs(
    cli,
    ['record', '--venue', 'binance', '--symbols', 'ETHUSDT', '--out', out, '--no-quotes'],
    {
      TICKLINE_BINANCE_WS_URL: url,
    },
  );
  await waitFor(() => mock.stderr().includes(`replayed ${SLICE} frames`), {
    what: 'replay done',
    timeoutMs: 15_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  record.child.kill('SIGINT');
  expect((await record.exited).code).toBe(0);
  expect(record.stderr()).toContain(`recorded ${SLICE} frames into ${out}`);
  mock.child.kill('SIGTERM');
  expect((await mock.exited).code).toBe(0);

  // The recording holds the frames as sent (the session's own lines), with receive times.
  const recorded = await collect(readRecording(out, { venue: 'binance' }));
  expect(recorded.map((f) => f.frame)).toEqual(lines);
  expect(recorded.every((f) => f.venue === 'binance' && f.t > Date.now() - 60_000)).toBe(true);

  // Replayed by the mock, it gives a subscriber the very same frames.
  const server = await BinanceMockServer.start();
  try {
    const client = await subscriber(server.url, 'ethusdt@trade');
    await server.replay(recorded, { speed: 'max' });
    await waitFor(() => client.frames.length === SLICE, { what: `${SLICE} frames` });
    expect(client.frames).toEqual(lines);
    client.ws.close();
  } finally {
    await server.close();
  }
}, 40_000);
