// Generates the bundled Alpaca sample session (data/alpaca/): no real recording of Alpaca's stream
// is available to us, so this writes a synthetic but realistic one, deterministically from a seed.
// Run: node -r ./scripts/ts-register.js packages/venues/src/alpaca/alpacaSessionGenerator.ts [out]
import { seededRandom } from '../mock/countFaults';
import { RecordingWriter, type RecordedFrame } from '../recording/recordingFile';
import { alpacaFrame, quoteItem, tradeItem } from './alpacaFrames';

export interface SessionSpec {
  symbol: string;
  /** Opening mid price. */
  price: number;
  /** First trade id. */
  firstId: number;
  /** Mean trades per second on the IEX feed. */
  tradesPerSecond: number;
}

export interface GeneratorOptions {
  /** [42] */
  seed?: number;
  /** Session start, epoch ms [2024-03-12T13:30:00Z, the regular open]. */
  start?: number;
  /** [5] */
  minutes?: number;
  symbols?: SessionSpec[];
}

export const DEFAULT_SESSION: SessionSpec[] = [
  { symbol: 'AAPL', price: 172.94, firstId: 52983525029461, tradesPerSecond: 4 },
  { symbol: 'MSFT', price: 404.52, firstId: 52983525033170, tradesPerSecond: 3 },
];

type Item = Record<string, unknown>;
interface Event {
  at: number;
  nanos: number;
  item: Item;
}

/** RFC-3339 with 9 fractional digits, as Alpaca sends. */
function rfc3339(ms: number, subMsNanos: number): string {
  const base = new Date(ms).toISOString().slice(0, 23);
  return `${base}${String(subMsNanos).padStart(6, '0')}Z`;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * A deterministic synthetic IEX session: per symbol a random walk of the mid in cent ticks, quotes
 * with 1-3 cent spreads and round-lot sizes, trades at the bid or ask (round lots, odd lots with
 * condition `I`, a few intermarket sweeps `F`), tape C (Nasdaq-listed), exchange V (IEX), increasing
 * ids; the venue's minute bars a second after each minute from those trades (odd lots count in volume,
 * not in open/high/low/close, as the consolidated tape's rules say). Items within 5 ms share a frame;
 * receive time = event time + 2-12 ms.
 */
export function generateAlpacaSession(options: GeneratorOptions = {}): RecordedFrame[] {
  const random = seededRandom(options.seed ?? 42);
  const start = options.start ?? Date.UTC(2024, 2, 12, 13, 30);
  const end = start + (options.minutes ?? 5) * 60_000;
  const events: Event[] = [];
  for (const spec of options.symbols ?? DEFAULT_SESSION) {
    events.push(...symbolEvents(spec, start, end, random));
  }
  events.sort((a, b) => a.at - b.at || a.nanos - b.nanos);
  const frames: RecordedFrame[] = [];
  let batch: Event[] = [];
  const flush = () => {
    const last = batch[batch.length - 1];
    if (last === undefined) return;
    frames.push({
      t: last.at + 2 + Math.floor(random() * 10),
      venue: 'alpaca',
      frame: alpacaFrame(batch.map((e) => e.item)),
    });
    batch = [];
  };
  for (const event of events) {
    if (batch.length > 0 && event.at - (batch[0]?.at ?? event.at) > 5) flush();
    batch.push(event);
  }
  flush();
  return frames;
}

function symbolEvents(spec: SessionSpec, start: number, end: number, random: () => number): Event[] {
  const events: Event[] = [];
  let mid = spec.price;
  let id = spec.firstId;
  let at = start;
  const bars = new Map<
    number,
    { o?: number; h: number; l: number; c?: number; v: number; n: number; pv: number }
  >();
  while (true) {
    // Exponential gaps: trades at tradesPerSecond, quotes about twice as often.
    at += Math.max(1, Math.round((-Math.log(1 - random()) * 1000) / (spec.tradesPerSecond * 3)));
    if (at >= end) break;
    const nanos = Math.floor(random() * 1_000_000);
    mid = round2(mid + (random() < 0.5 ? -0.01 : 0.01) * (random() < 0.3 ? 2 : 1));
    const spread = 0.01 * (1 + Math.floor(random() * 3));
    const bid = round2(mid - spread / 2);
    const ask = round2(bid + spread);
    if (random() < 2 / 3) {
      const time = rfc3339(at, nanos);
      events.push({
        at,
        nanos,
        item: quoteItem({
          symbol: spec.symbol,
          bid,
          bidSize: 1 + Math.floor(random() * 5),
          ask,
          askSize: 1 + Math.floor(random() * 5),
          time,
        }),
      });
      continue;
    }
    const odd = random() < 0.45;
    const size = odd
      ? 1 + Math.floor(random() * 99)
      : 100 * (1 + Math.floor(random() * (random() < 0.9 ? 2 : 6)));
    const price = random() < 0.5 ? bid : ask;
    const conditions = ['@', ...(random() < 0.05 ? ['F'] : []), ...(odd ? ['I'] : [])];
    events.push({
      at,
      nanos,
      item: tradeItem({
        symbol: spec.symbol,
        id: id++,
        price,
        size,
        time: rfc3339(at, nanos),
        exchange: 'V',
        conditions,
        tape: 'C',
      }),
    });
    const minute = at - (at % 60_000);
    const bar = bars.get(minute) ?? { h: 0, l: Infinity, v: 0, n: 0, pv: 0 };
    bar.v += size;
    bar.n += 1;
    bar.pv += price * size;
    if (!odd) {
      bar.o ??= price;
      bar.h = Math.max(bar.h, price);
      bar.l = Math.min(bar.l, price);
      bar.c = price;
    }
    bars.set(minute, bar);
  }
  for (const [minute, bar] of bars) {
    if (bar.o === undefined || bar.c === undefined || minute + 60_000 > end) continue;
    const t = new Date(minute).toISOString().replace('.000Z', 'Z');
    const item = {
      T: 'b',
      S: spec.symbol,
      o: bar.o,
      h: bar.h,
      l: bar.l,
      c: bar.c,
      v: bar.v,
      t,
      n: bar.n,
      vw: Math.round((bar.pv / bar.v) * 1e4) / 1e4,
    };
    events.push({ at: minute + 61_000, nanos: 0, item });
  }
  return events;
}

/** Writes a session in Tickline's recording format (gzip JSONL). */
export async function writeAlpacaSession(path: string, options: GeneratorOptions = {}): Promise<number> {
  const writer = new RecordingWriter(path);
  const frames = generateAlpacaSession(options);
  for (const frame of frames) writer.write(frame);
  await writer.close();
  return frames.length;
}

if (require.main === module) {
  const out =
    process.argv[2] ?? 'packages/venues/data/alpaca/iex_AAPL_MSFT_2024-03-12T1330_to_1335_generated.jsonl.gz';
  void writeAlpacaSession(out).then((n) => console.log(`${out}: ${n} frames`));
}
