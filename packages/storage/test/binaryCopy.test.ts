import fc from 'fast-check';
import { MAX_EPOCH_MS } from '@tickline/core';
import { barsToBinaryCopy } from '../src/db/binaryCopy';
import { bar } from './bars';

test('property: start goes as exact microseconds since 2000-01-01, over the whole range of epoch ms', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -MAX_EPOCH_MS, max: MAX_EPOCH_MS }),
      fc.integer({ min: 0 }),
      (start, trades) => {
        const b = bar({ start, trades });
        const bytes = barsToBinaryCopy([b]);
        // 19 header bytes, the field count, venue, symbol and timeframe (length + text), then start's length.
        const at = 19 + 2 + 3 * 4 + b.venue.length + b.symbol.length + b.timeframe.length + 4;
        expect(bytes.readBigInt64BE(at)).toBe((BigInt(start) - 946_684_800_000n) * 1000n);
        // trades: after start and five float8 (length + 8 bytes each).
        expect(bytes.readBigInt64BE(at + 8 + 5 * 12 + 4)).toBe(BigInt(trades));
        expect(bytes.readInt16BE(bytes.length - 2)).toBe(-1);
      },
    ),
  );
});
