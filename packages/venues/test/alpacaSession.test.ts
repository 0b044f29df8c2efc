// The bundled generated Alpaca session: the generator is deterministic and wrote exactly the file,
// every frame maps cleanly, the venue's bars agree with the trades, and a replay through the mock
// into AlpacaFeed delivers every trade, twice identically.
import { join } from 'node:path';
import { generateAlpacaSession } from '../src/alpaca/alpacaSessionGenerator';
import { mapAlpacaFrame } from '../src/alpaca/alpacaMapper';
import { readAlpacaRecording } from '../src/alpaca/alpacaRecording';
import { AlpacaMockServer } from '../src/alpaca/mockServer';
import type { RecordedFrame } from '../src/recording/recordingFile';
import { startAlpacaFeed, until } from './support/alpacaHarness';

const FILE = join(__dirname, '../data/alpaca/iex_AAPL_MSFT_2024-03-12T1330_to_1335_generated.jsonl.gz');

async function readAll(): Promise<RecordedFrame[]> {
  const frames: RecordedFrame[] = [];
  for await (const f of readAlpacaRecording(FILE)) frames.push(f);
  return frames;
}

describe('bundled Alpaca session (generated)', () => {
  it('is what the deterministic generator writes', async () => {
    const generated = generateAlpacaSession();
    expect(generateAlpacaSession()).toEqual(generated);
    expect(await readAll()).toEqual(generated);
  });

  it('maps without a reject, and the venue bars agree with the regular-lot trades', async () => {
    const messages = (await readAll()).flatMap((f) => mapAlpacaFrame(f.frame, f.t));
    expect(messages.filter((m) => m.kind === 'reject')).toEqual([]);
    const trades = messages.flatMap((m) => (m.kind === 'trade' ? [m.trade] : []));
    const bars = messages.flatMap((m) => (m.kind === 'venueBar' ? [m.bar] : []));
    expect(trades.length).toBe(2057);
    expect(bars.length).toBe(10);
    for (const bar of bars) {
      const inBar = trades.filter(
        (t) => t.symbol === bar.symbol && t.ts >= bar.start && t.ts < bar.start + 60_000,
      );
      const regular = inBar.filter((t) => !(t.conditions ?? []).includes('I'));
      expect(bar.volume).toBe(inBar.reduce((s, t) => s + t.size, 0));
      expect(bar.trades).toBe(inBar.length);
      expect(bar.open).toBe(regular[0]?.price);
      expect(bar.close).toBe(regular[regular.length - 1]?.price);
      expect(bar.high).toBe(Math.max(...regular.map((t) => t.price)));
    }
  });

  it('replays through the mock into the feed, twice identically', async () => {
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const mock = await AlpacaMockServer.start();
      const h = startAlpacaFeed(mock);
      try {
        await mock.waitForSubscription('bars', 'MSFT');
        await mock.replayFile(FILE, { speed: 'max' });
        await until(
          () => h.of('trade').length === 2057 && h.of('venueBar').length === 10,
          'every trade and bar',
        );
        runs.push(h.of('trade').map((e) => `${e.trade.symbol}:${e.trade.id}:${e.trade.price}:${e.trade.ts}`));
        expect(h.of('quote')).toHaveLength(4196);
      } finally {
        await h.feed.stop();
        await mock.close();
      }
    }
    expect(runs[1]).toEqual(runs[0]);
  });
});
