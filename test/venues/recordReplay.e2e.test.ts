import { spawnTs, waitFor, type TsChild } from '@tickline/testkit';
import { AlpacaMockServer, BinanceMockServer, readRecording, type RecordedFrame } from '@tickline/venues';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';

// `tickline record` against `tickline mock-venue` for each venue: the recording holds the frames
// the mock sent, and a mock replaying that recording sends a client the very same frames.

const cli = join(__dirname, '../../packages/cli/src/main.ts');
const DATA = join(__dirname, '../../packages/venues/data');
const BINANCE_SESSION = join(DATA, 'binance/spot_ETHUSDT_trade_frames_2024-08-08T2354_to_0005.jsonl.gz');
const ALPACA_SESSION = join(DATA, 'alpaca/iex_AAPL_MSFT_2024-03-12T1330_to_1335_generated.jsonl.gz');
const KEYS = { APCA_API_KEY_ID: 'rec-key', APCA_API_SECRET_KEY: 'rec-secret-do-not-print' };
const SLICE = 400;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Opens a client with `open`, gathering every data frame it gets. */
async function client(url: string, open?: (ws: WebSocket) => void, keep = (_frame: string) => true) {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  ws.on('message', (data: Buffer) => {
    const text = data.toString();
    if (keep(text)) frames.push(text);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  open?.(ws);
  return { ws, frames };
}

/** Replays `recorded` on `server` to the client `sub`, then closes both; returns the frames it got. */
async function replayTo(
  server: BinanceMockServer | AlpacaMockServer,
  sub: { ws: WebSocket; frames: string[] },
  recorded: RecordedFrame[],
): Promise<string[]> {
  try {
    await server.replay(recorded, { speed: 'max' });
    await waitFor(() => sub.frames.length === SLICE, { what: `${SLICE} frames` });
    sub.ws.close();
    return sub.frames;
  } finally {
    await server.close();
  }
}

const alpacaData = (text: string) => !/"T":"(success|subscription|error)"/.test(text);

let dir: string;
const children: TsChild[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlrecord-'));
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}): TsChild {
  const child = spawnTs(cli, args, env);
  children.push(child);
  return child;
}

/** The first SLICE lines of a bundled session, as a plain file, and the lines themselves. */
function sliceOf(session: string): { path: string; lines: string[] } {
  const lines = gunzipSync(readFileSync(session)).toString('utf8').split('\n').slice(0, SLICE);
  const path = join(dir, 'slice.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, lines };
}

/** mock-venue replays `file` to `record`; returns what record wrote. */
async function recordFromMock(
  venue: 'binance' | 'alpaca',
  file: string,
  symbols: string,
  extraArgs: string[] = [],
): Promise<RecordedFrame[]> {
  const variable = `TICKLINE_${venue.toUpperCase()}_WS_URL`;
  const mock = run(['mock-venue', '--venue', venue, '--file', file, '--speed', 'max'], KEYS);
  await mock.waitForStdout(new RegExp(`${variable}=ws://\\S+`));
  const url = new RegExp(`${variable}=(\\S+)`).exec(mock.stdout())![1]!;
  const out = join(dir, 'rec.jsonl.gz');
  const record = run(['record', '--venue', venue, '--symbols', symbols, '--out', out, ...extraArgs], {
    ...KEYS,
    [variable]: url,
  });
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
  expect(mock.stdout() + mock.stderr() + record.stderr()).not.toContain(KEYS.APCA_API_SECRET_KEY);
  return collect(readRecording(out, { venue }));
}

it('binance: tickline record against tickline mock-venue writes a file that the mock replays to the same frames', async () => {
  const { path, lines } = sliceOf(BINANCE_SESSION);
  const recorded = await recordFromMock('binance', path, 'ETHUSDT', ['--no-quotes']);
  // The recording holds the frames as sent (the session's own lines), with receive times.
  expect(recorded.map((f) => f.frame)).toEqual(lines);
  expect(recorded.every((f) => f.venue === 'binance' && f.t > Date.now() - 60_000)).toBe(true);

  const server = await BinanceMockServer.start();
  const sub = await client(`${server.url}/stream?streams=ethusdt@trade`);
  expect(await replayTo(server, sub, recorded)).toEqual(lines);
}, 40_000);

it('alpaca: tickline record against tickline mock-venue (keys from the environment) records the session frames, and the mock replays them unchanged', async () => {
  const { path, lines } = sliceOf(ALPACA_SESSION);
  const sent = lines.map((line) => (JSON.parse(line) as RecordedFrame).frame);
  const recorded = await recordFromMock('alpaca', path, 'AAPL,MSFT');
  expect(recorded.map((f) => f.frame)).toEqual(sent);
  expect(recorded.every((f) => f.venue === 'alpaca' && f.t > Date.now() - 60_000)).toBe(true);

  const server = await AlpacaMockServer.start();
  const sub = await client(
    `${server.url}/v2/iex`,
    (ws) => {
      ws.send(JSON.stringify({ action: 'auth', key: 'mock-key-id', secret: 'mock-secret-key' }));
      const all = ['AAPL', 'MSFT'];
      ws.send(JSON.stringify({ action: 'subscribe', trades: all, quotes: all, bars: all }));
    },
    alpacaData,
  );
  expect(await replayTo(server, sub, recorded)).toEqual(sent);
}, 40_000);

it('alpaca: record with keys the venue refuses exits 1 with one clear line, naming the variables, not the secret', async () => {
  const mock = await AlpacaMockServer.start({ keyId: 'right', secretKey: 'right-secret' });
  try {
    const record = run(
      ['record', '--venue', 'alpaca', '--symbols', 'AAPL', '--out', join(dir, 'x.jsonl.gz')],
      {
        ...KEYS,
        TICKLINE_ALPACA_WS_URL: mock.url,
      },
    );
    const { code } = await record.exited;
    expect(code).toBe(1);
    expect(record.stderr()).toMatch(/402 auth failed.*APCA_API_KEY_ID \/ APCA_API_SECRET_KEY/);
    expect(record.stderr()).not.toContain(KEYS.APCA_API_SECRET_KEY);
    expect(mock.stats.authFailures).toBe(1);
  } finally {
    await mock.close();
  }
}, 20_000);
