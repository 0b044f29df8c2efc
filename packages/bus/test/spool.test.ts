import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spool, type SpooledEntry } from '@tickline/bus';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-spool-test-'));
  path = join(dir, 'a.spool');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (n: number, key = 'tl:ticks:{binance:BTCUSDT}'): SpooledEntry => ({
  key,
  id: { ms: 1_700_000_000_000 + n, seq: n },
  count: n,
  bufferedAt: 1000 + n,
  payload: Buffer.alloc(n * 10, n),
});

describe('Spool', () => {
  it('reads entries back in write order, byte for byte, and empties the file once all are committed', () => {
    const spool = Spool.open({ path, maxBytes: 1 << 20 });
    for (let n = 1; n <= 5; n++) expect(spool.append(entry(n))).toBe(true);
    expect(spool.stats()).toMatchObject({ entries: 5, records: 15, oldestAt: 1001 });
    const first = spool.read(6); // 1 + 2 + 3 records
    expect(first.map((r) => r.entry)).toEqual([entry(1), entry(2), entry(3)]);
    spool.commit(first[2]!.end, 3, 6);
    expect(spool.stats()).toMatchObject({ entries: 2, records: 9, oldestAt: 1004 });
    const rest = spool.read(1, true); // one entry even when it is larger than asked
    expect(rest.map((r) => r.entry)).toEqual([entry(4)]);
    expect(spool.read(100).map((r) => r.entry)).toEqual([entry(5)]);
    expect(spool.hasUnread).toBe(false);
    spool.commit(statSync(path).size, 2, 9);
    expect(spool.stats()).toEqual({ bytes: 0, entries: 0, records: 0, oldestAt: undefined });
    spool.close();
  });

  it('refuses an entry beyond its disk budget', () => {
    const spool = Spool.open({ path, maxBytes: 200 });
    expect(spool.append(entry(5))).toBe(true); // 50 bytes of payload plus a header
    expect(spool.append(entry(15))).toBe(false); // 150 more would exceed 200
    expect(spool.stats()).toMatchObject({ entries: 1, records: 5 });
    spool.close();
  });

  it('after a restart, reads from the committed offset and cuts a torn last frame', () => {
    const first = Spool.open({ path, maxBytes: 1 << 20 });
    for (let n = 1; n <= 3; n++) first.append(entry(n));
    const read = first.read(1);
    first.commit(read[0]!.end, 1, 1);
    first.close();
    appendFileSync(path, Buffer.from([200, 0, 0, 0, 1, 2])); // a frame cut short by a crash
    const second = Spool.open({ path, maxBytes: 1 << 20 });
    expect(second.stats()).toMatchObject({ entries: 2, records: 5 });
    expect(second.read(100).map((r) => r.entry)).toEqual([entry(2), entry(3)]);
    second.close();
  });

  it('is held by one process at a time; a lock left by a dead process is taken over', () => {
    writeFileSync(`${path}.lock`, String(process.ppid)); // a live process holds it
    expect(() => Spool.open({ path, maxBytes: 1000 })).toThrow(/in use by process/);
    writeFileSync(`${path}.lock`, '999999999'); // no such process
    Spool.open({ path, maxBytes: 1000 }).close();
  });
});
