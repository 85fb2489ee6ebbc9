import { describe, expect, it } from 'vitest';
import { referenceSessions, type SessionRecord, type SessionStep } from './session-window-reference.js';

const rec = (key: string, ts: number, value = 1): SessionRecord => ({ key, ts, value });
const records = (...rs: SessionRecord[]): SessionStep => ({ kind: 'records', records: rs });
const watermark = (ts: number): SessionStep => ({ kind: 'watermark', ts });
const windows = (steps: SessionStep[], gap: number, allowedLateness = 0): [string, number, number, number, number][] =>
  referenceSessions(steps, { gap, allowedLateness }).results.map((r) => [r.key, r.windowStart, r.windowEnd, r.count, r.step]);

describe('the session window reference', () => {
  it('splits where records are more than the gap apart, and keeps records exactly the gap apart together', () => {
    // gap 10: 0, 10, 20 chain (distance exactly 10); 31 is 11 after 20.
    expect(windows([records(rec('a', 20), rec('a', 0), rec('a', 31), rec('a', 10))], 10)).toEqual([
      ['a', 0, 30, 3, 1],
      ['a', 31, 41, 1, 1],
    ]);
  });

  it('fires a session when the watermark reaches end − 1, in end then key order, and forgets it', () => {
    const steps = [records(rec('b', 0), rec('a', 0), rec('a', 5)), watermark(9), watermark(14), records(rec('a', 6)), watermark(100)];
    // b [0, 10) fires at 9; a [0, 15) at 14. a's record at 6 then makes [6, 16): still open at 14, and
    // a new session, since [0, 15) is gone.
    expect(windows(steps, 10)).toEqual([
      ['b', 0, 10, 1, 1],
      ['a', 0, 15, 2, 2],
      ['a', 6, 16, 1, 4],
    ]);
  });

  it('decides lateness on the merged session at arrival', () => {
    // gap 10, W 45, [46, 56) open. 35 alone is [35, 45): closed, and it does not reach 46: late. 36
    // alone is [36, 46), closed too, but it touches [46, 56): the merged [36, 56) is open. Then 26 alone
    // is [26, 36), which touches the new session: it joins. 35 again, now inside: joins.
    const steps = [records(rec('a', 46)), watermark(45), records(rec('a', 35), rec('a', 36), rec('a', 26), rec('a', 35, 7))];
    const { results, late } = referenceSessions(steps, { gap: 10, allowedLateness: 0 });
    expect(late).toEqual([{ key: 'a', ts: 35, value: 1, step: 2 }]);
    expect(results.map((r) => [r.windowStart, r.windowEnd, r.count, r.sum])).toEqual([[26, 56, 4, 10]]);
  });

  it('keeps a session open for the allowed lateness', () => {
    const steps = [records(rec('a', 50)), watermark(45), records(rec('a', 30), rec('a', 20))];
    // gap 10, W 45: [30, 40) and [20, 30) alone are closed (39 ≤ 45) and reach nothing open: late.
    const strict = referenceSessions(steps, { gap: 10, allowedLateness: 0 });
    expect(strict.late.map((r) => r.ts)).toEqual([30, 20]);
    expect(strict.results.map((r) => [r.windowStart, r.windowEnd, r.count])).toEqual([[50, 60, 1]]);
    // Allowed lateness 10: [30, 40) is open until W 49; 20 then touches it: [20, 40).
    const lenient = referenceSessions(steps, { gap: 10, allowedLateness: 10 });
    expect(lenient.late).toEqual([]);
    expect(lenient.results.map((r) => [r.windowStart, r.windowEnd, r.count])).toEqual([[20, 40, 2], [50, 60, 1]]);
  });

  it('lets a record that bridges two open sessions merge them, and a record near a closed one in when the merge is open', () => {
    const steps = [records(rec('a', 0), rec('a', 30)), watermark(12), records(rec('a', 15, 5)), watermark(1_000)];
    // gap 10, W 12: [0, 10) fired at 9. 15 alone is [15, 25), open; it reaches [30, 40) (30 − 15 > 10: no).
    expect(referenceSessions(steps, { gap: 10, allowedLateness: 0 }).results.map((r) => [r.windowStart, r.windowEnd, r.sum])).toEqual([
      [0, 10, 1],
      [15, 25, 5],
      [30, 40, 1],
    ]);
    // gap 15, W 12: [0, 15) is open; 15 bridges it and [30, 45) into one session of three records.
    expect(referenceSessions(steps, { gap: 15, allowedLateness: 0 }).results.map((r) => [r.windowStart, r.windowEnd, r.sum])).toEqual([[0, 45, 7]]);
  });
});
