/**
 * `npm run bench -- outage [outageSeconds=120] [tradesPerSecond=20000]` (issue 17, "Benchmark"): the Binance mock
 * streams trades at a steady rate to `tickline run ingestor` (a real process, production settings); its Redis
 * (a redis-server of the bench's own, append-only file, `appendfsync everysec`) is killed for the outage and
 * started again on its data. Prints the ingestor's peak RSS (VmHWM), the spool's peak size, the drain rate
 * once Redis is back, and the lost and duplicated trades (every id the mock sent against the tick stream).
 *
 * - The mock runs in a child process and plays ids 1.. at the rate, each trade's event time its send time.
 * - The spool lives in a temp directory (default disk budget); the bench's Redis and spool are deleted after.
 * - Drain rate: records waiting (spool plus memory) when Redis is back, plus those arriving meanwhile,
 *   over the time until the spool is empty, from the ingestor's own metrics sampled every 100 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedis, readStreamEntries, streamKeys } from '@tickline/bus';
import { RedisServer, spawnTs, type TsChild } from '@tickline/testkit';
import { BinanceMockServer, tradePayload } from '@tickline/venues';

const STREAM = 'btcusdt@trade';
const MAIN = join(__dirname, '..', 'packages', 'cli', 'src', 'main.ts');
const WARM_SECONDS = 10;
const AFTER_SECONDS = 30;

// ---- mock side (child process) ----

/** Plays ids 1.. at `rate` per second (once subscribed) until told to stop; counts ids no connection took. */
async function mockChild(): Promise<void> {
  const mock = await BinanceMockServer.start();
  let timer: NodeJS.Timeout | undefined;
  let next = 1;
  let undelivered = 0;
  const play = async (rate: number) => {
    await mock.waitForSubscription(STREAM);
    const started = Date.now();
    timer = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * rate);
      const time = Date.now();
      for (; next <= due; next++) {
        const payload = tradePayload({ symbol: 'BTCUSDT', id: next, price: '61837.63', qty: '0.01', time });
        if (mock.publish(STREAM, payload) === 0) undelivered++;
      }
    }, 5);
  };
  process.on('message', (message: { rate?: number; stop?: boolean }) => {
    if (message.rate) void play(message.rate);
    if (!message.stop) return;
    clearInterval(timer);
    process.send!({ last: next - 1, undelivered });
  });
  process.send!({ url: mock.url });
}

if (process.env.TICKLINE_OUTAGE_BENCH_ROLE === 'mock') void mockChild();

class MockProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<MockProcess> {
    const child = fork(__filename, [], {
      env: { ...process.env, TICKLINE_OUTAGE_BENCH_ROLE: 'mock' },
      execArgv: ['-r', join(__dirname, '../scripts/ts-register.js')],
    });
    const url = await new Promise<string>((resolve) =>
      child.once('message', (m: { url: string }) => resolve(m.url)),
    );
    return new MockProcess(child, url);
  }

  play(rate: number): void {
    this.child.send({ rate });
  }

  /** Stops playing: the last id sent and how many ids reached no connection. */
  stop(): Promise<{ last: number; undelivered: number }> {
    const done = new Promise<{ last: number; undelivered: number }>((resolve) =>
      this.child.once('message', resolve),
    );
    this.child.send({ stop: true });
    return done;
  }
}

// ---- measuring ----

interface Sample {
  readonly at: number;
  readonly spoolBytes: number;
  readonly spoolRecords: number;
  readonly buffered: number;
  /** V8's young and old generations and Buffers outside the heap (bytes): where the RSS goes. */
  readonly heap: { readonly young: number; readonly old: number; readonly external: number };
}

async function scrape(metricsUrl: string): Promise<Sample | undefined> {
  try {
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    return {
      at: Date.now(),
      spoolBytes: value('tickline_ingest_spool_bytes'),
      spoolRecords: value('tickline_ingest_spool_records'),
      buffered: value('tickline_ingest_buffered_records'),
      heap: {
        young: value('tickline_nodejs_heap_space_size_total_bytes\\{space="new"\\}'),
        old: value('tickline_nodejs_heap_space_size_total_bytes\\{space="old"\\}'),
        external: value('tickline_nodejs_external_memory_bytes'),
      },
    };
  } catch {
    return undefined;
  }
}

/** Resident set size of a process now (`VmRSS`) or at its peak so far (`VmHWM`), from /proc. */
function rssOf(pid: number, which: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${which}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
}

/** Ids 1..last in the tick stream: how many are missing and how many more than once. */
async function ledger(url: string, key: string, last: number): Promise<{ lost: number; duplicated: number }> {
  const redis = createRedis({ url, commandTimeoutMs: 60_000 });
  const seen = new Uint8Array(last + 1);
  let duplicated = 0;
  for (const entry of await readStreamEntries<{ id: string }>(redis, key)) {
    for (const record of entry.records) {
      const id = Number(record.id);
      if (seen[id]) duplicated++;
      seen[id] = 1;
    }
  }
  redis.disconnect();
  return { lost: seen.subarray(1).reduce((n, s) => n + (s ? 0 : 1), 0), duplicated };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

/** Samples the ingestor's metrics every 100 ms until `stop()`; keeps the peaks and the latest sample. */
class Sampler {
  latest: Sample | undefined;
  peakBytes = 0;
  peakRecords = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly metricsUrl: string) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const sample = await scrape(this.metricsUrl);
      if (sample) {
        this.latest = sample;
        this.peakBytes = Math.max(this.peakBytes, sample.spoolBytes);
        this.peakRecords = Math.max(this.peakRecords, sample.spoolRecords);
      }
      await sleep(100);
    }
  }

  async until(test: (s: Sample) => boolean, what: string, timeoutMs: number): Promise<Sample> {
    const deadline = Date.now() + timeoutMs;
    while (!this.latest || !test(this.latest)) {
      if (Date.now() > deadline) throw new Error(`outage bench: ${what} not within ${timeoutMs} ms`);
      await sleep(20);
    }
    return this.latest;
  }

  stop(): Promise<void> {
    this.running = false;
    return this.loop;
  }
}

function startIngestor(redisUrl: string, mockUrl: string, spoolDir: string, prefix: string): TsChild {
  return spawnTs(MAIN, ['run', 'ingestor'], {
    REDIS_URL: redisUrl,
    TICKLINE_PREFIX: prefix,
    TICKLINE_INSTRUMENTS: 'binance:BTCUSDT',
    TICKLINE_BINANCE_WS_URL: mockUrl,
    TICKLINE_METRICS_PORT: '0',
    TICKLINE_SPOOL_DIR: spoolDir,
    TICKLINE_LOG_LEVEL: 'info',
    NODE_OPTIONS: '--max-semi-space-size=64', // as Tickline processes run (README, "Performance")
  });
}

interface Drain {
  readonly backlog: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Restarts Redis and waits until the spool is empty: what was waiting, plus what arrived, over the time. */
async function drain(server: RedisServer, sampler: Sampler, rate: number): Promise<Drain> {
  await server.restart();
  const back = Date.now();
  const at = sampler.latest!;
  const backlog = at.spoolRecords + at.buffered;
  const done = await sampler.until((s) => s.at > back && s.spoolRecords === 0, 'spool drained', 600_000);
  const seconds = Math.max((done.at - back) / 1000, 0.001);
  return { backlog, seconds, perSecond: (backlog + rate * seconds) / seconds };
}

/** args: [outage seconds (default 120), trades per second (default 20000)]. */
export async function main(args: string[]): Promise<void> {
  const outageSeconds = Number(args[0] ?? 120);
  const rate = Number(args[1] ?? 20_000);
  const prefix = 'tlbench-outage';
  const server = await RedisServer.start({ appendOnly: true, extraArgs: ['--appendfsync', 'everysec'] });
  const spoolDir = mkdtempSync(join(tmpdir(), 'tl-outage-spool-'));
  const mock = await MockProcess.start();
  const ingestor = startIngestor(server.url, mock.url, spoolDir, prefix);
  try {
    await ingestor.waitForStdout(/metrics at http:\/\/\S+/, 60_000);
    const sampler = new Sampler(/metrics at (http:\/\/[^\s"]+)/.exec(ingestor.stdout())![1]!);
    mock.play(rate);
    await sleep(WARM_SECONDS * 1000);
    console.log(`Redis stopped for ${outageSeconds} s at ${fmt(rate)} trades/s`);
    const pid = ingestor.child.pid!;
    const peaks = [rssOf(pid, 'VmHWM')];
    await server.stop('SIGTERM');
    await sleep(outageSeconds * 1000);
    peaks.push(rssOf(pid, 'VmHWM'));
    const { heap } = sampler.latest!;
    const drained = await drain(server, sampler, rate);
    peaks.push(rssOf(pid, 'VmHWM'));
    await sleep(AFTER_SECONDS * 1000);
    const played = await mock.stop();
    await sampler.until((s) => s.buffered === 0 && s.spoolRecords === 0, 'all acknowledged', 60_000);
    const rss = rssOf(pid, 'VmHWM');
    await sampler.stop();
    const key = streamKeys(prefix).ticks({ venue: 'binance', symbol: 'BTCUSDT' });
    const { lost, duplicated } = await ledger(server.url, key, played.last);
    console.log(
      `\noutage bench: ${fmt(played.last)} trades at ${fmt(rate)}/s, Redis down ${outageSeconds} s`,
    );
    console.log(`peak RSS of the ingestor: ${mb(rss)} (goal < 300 MB)`);
    console.log(
      `  peak so far before the outage ${mb(peaks[0]!)}, at its end ${mb(peaks[1]!)}, once drained ${mb(peaks[2]!)}`,
    );
    console.log(
      `  at the end of the outage: V8 young generation ${mb(heap.young)}, old ${mb(heap.old)}, Buffers ${mb(heap.external)}`,
    );
    console.log(`spool at its peak: ${mb(sampler.peakBytes)}, ${fmt(sampler.peakRecords)} records`);
    console.log(
      `drain after Redis returned: ${fmt(drained.backlog)} waiting, empty after ${drained.seconds.toFixed(1)} s: ${fmt(drained.perSecond)} trades/s (goal >= 200,000)`,
    );
    console.log(
      `lost ${fmt(lost)}, duplicated ${fmt(duplicated)} (goal 0 / 0); ids no mock connection took: ${played.undelivered}`,
    );
  } finally {
    ingestor.child.kill('SIGTERM');
    await ingestor.exited;
    mock.child.kill();
    await server.destroy();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}
