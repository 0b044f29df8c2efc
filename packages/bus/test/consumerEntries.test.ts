import fc from 'fast-check';
import {
  backoffDelay,
  decodeEntry,
  jsonCodec,
  msgpackCodec,
  parseReadReply,
  type RawEntry,
} from '@tickline/bus';

function raw(fields: Record<string, string | Buffer> | undefined, id = '7-1'): RawEntry {
  const map = fields && new Map(Object.entries(fields).map(([k, v]) => [k, Buffer.from(v)]));
  return { stream: 's', id, fields: map };
}

describe('decodeEntry', () => {
  it('decodes every record of a msgpack batch, in order', () => {
    const result = decodeEntry(raw({ d: msgpackCodec.encode([{ a: 1 }, { a: 2 }]), v: '1', n: '2' }), 3);
    expect(result.ok && result.entry).toMatchObject({
      id: '7-1',
      version: 1,
      deliveries: 3,
      records: [{ a: 1 }, { a: 2 }],
    });
  });

  it('reads a single JSON object as one record', () => {
    const result = decodeEntry(raw({ d: jsonCodec.encode({ a: 1 }) }), 1);
    expect(result.ok && result.entry.records).toEqual([{ a: 1 }]);
  });

  it.each([
    ['no d', { v: '1' }, /no field d/],
    ['broken JSON', { d: '{"a":' }, /undecodable/],
    ['empty d', { d: '' }, /no field d|undecodable/],
    ['wrong n', { d: msgpackCodec.encode([1, 2]), n: '3' }, /n says 3 records, d holds 2/],
    ['bad v', { d: msgpackCodec.encode([1]), v: 'x' }, /not a number/],
  ] as [string, Record<string, string | Buffer>, RegExp][])(
    'rejects an entry with %s, keeping the raw payload',
    (_name, fields, reason) => {
      const result = decodeEntry(raw(fields), 1);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).toMatch(reason);
        expect(result.payload.equals(Buffer.from(fields['d'] ?? ''))).toBe(true);
      }
    },
  );
});

describe('parseReadReply', () => {
  it('flattens streams and marks deleted entries', () => {
    const reply = [
      [Buffer.from('a'), [[Buffer.from('1-0'), [Buffer.from('d'), Buffer.from('x')]]]],
      [Buffer.from('b'), [[Buffer.from('2-0'), null]]],
    ];
    const entries = parseReadReply(reply);
    expect(entries.map((e) => [e.stream, e.id, e.fields?.get('d')?.toString()])).toEqual([
      ['a', '1-0', 'x'],
      ['b', '2-0', undefined],
    ]);
    expect(parseReadReply(null)).toEqual([]);
  });
});

describe('backoffDelay', () => {
  it('stays within half and all of the capped exponential delay', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, r) => {
          const cap = Math.min(5000, 100 * 2 ** Math.min(attempt - 1, 30));
          const delay = backoffDelay(attempt, {}, () => r);
          expect(delay).toBeGreaterThanOrEqual(cap / 2);
          expect(delay).toBeLessThanOrEqual(cap);
        },
      ),
    );
  });
});
