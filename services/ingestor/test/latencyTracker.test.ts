import { LatencyTracker } from '@tickline/ingestor-service';

const ack = (count: number, ackedAt: number) => ({
  key: 'k',
  id: '1-0',
  count,
  bufferedAt: 0,
  ackedAt,
  attempts: 1,
});

describe('LatencyTracker', () => {
  it('times records in publish order, matched to acknowledgements by count', () => {
    const seen: number[] = [];
    const tracker = new LatencyTracker((s) => seen.push(s));
    for (const ts of [1000, 2000, 3000]) tracker.add('k', ts);
    tracker.onAck(ack(2, 4000));
    tracker.onAck(ack(1, 5000));
    expect(seen).toEqual([3, 2, 2]);
  });

  it('past its bound counts records without timing them, and stays aligned with the acknowledgements', () => {
    const seen: number[] = [];
    const tracker = new LatencyTracker((s) => seen.push(s), 2);
    for (let i = 1; i <= 1000; i++) tracker.add('k', i * 1000); // 2 timed, 998 in one placeholder
    tracker.onAck(ack(500, 1_000_000));
    expect(seen).toEqual([999, 998]);
    for (let i = 1001; i <= 1002; i++) tracker.add('k', i * 1000); // room again: timed
    tracker.onAck(ack(502, 1_002_000)); // the other 500 untimed, then 1001 and 1002
    expect(seen).toEqual([999, 998, 1, 0]);
  });
});
