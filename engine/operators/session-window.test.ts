import { describe, expect, it } from 'vitest';
import { count, type AggregateFunction } from '../aggregate/aggregate-function.js';
import type { WindowResult } from '../api/functions.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import type { StateBackend } from '../state/state-backend.js';
import { session, tumbling } from '../windows/window-spec.js';
import type { Output, StreamRecord } from './operator.js';
import { SessionWindowOperator } from './session-window.js';
import { operatorContext } from './testing/operator-context.js';

const SESSIONS = 1;
const INDEX = 2;

function operator(opts: { gap?: number; lateness?: number; fn?: AggregateFunction<unknown, unknown, unknown>; backend?: StateBackend } = {}) {
  const { ctx, failures } = operatorContext({ backend: opts.backend ?? new MemoryStateBackend(), tables: [SESSIONS, INDEX], keyGroups: { start: 0, end: 3 }, maxParallelism: 4 });
  const op = new SessionWindowOperator(ctx, { window: session(opts.gap ?? 10), allowedLatenessMs: opts.lateness ?? 0, earlyFiringMs: null }, opts.fn ?? count());
  return { op, failures, backend: ctx.backend };
}

const rec = (key: string, timestamp: number, value: unknown = 1, keyGroup = key.charCodeAt(0) % 4): StreamRecord => ({ value, timestamp, key, keyGroup });

/** What the operator emitted: window results as [key, start, end, value], late records' values. */
function collector(): { out: Output; results: [string, number, number, unknown][]; late: unknown[]; records: StreamRecord[] } {
  const results: [string, number, number, unknown][] = [];
  const late: unknown[] = [];
  const records: StreamRecord[] = [];
  const out: Output = {
    emit: (r, port) => {
      if (port === 'late') return void late.push(r.value);
      const w = r.value as WindowResult<unknown>;
      records.push(r);
      results.push([w.key, w.windowStart, w.windowEnd, w.value]);
    },
  };
  return { out, results, late, records };
}

async function storedKeys(backend: StateBackend): Promise<number> {
  let n = 0;
  for await (const _ of backend.scan({ gte: Buffer.alloc(0), lt: Buffer.from([0xff, 0xff]) })) n += 1;
  return n;
}

describe('session windows', () => {
  it('merges two overlapping windows of a key, and keeps other keys apart', async () => {
    const { op } = operator();
    const c = collector();
    await op.processBatch([rec('a', 100), rec('b', 103), rec('a', 105)], c.out);
    await op.onWatermark(1_000, c.out);
    expect(c.results).toEqual([
      ['b', 103, 113, 1],
      ['a', 100, 115, 2],
    ]);
    // A final result, at its window's last instant, with the key and its key group.
    expect(c.records[0]).toMatchObject({ timestamp: 112, key: 'b', keyGroup: 'b'.charCodeAt(0) % 4, value: { early: false } });
  });

  it('merges a record\'s window and the two sessions it bridges into one, with merge and without modifying its arguments', async () => {
    // An add that works in place (so not pure), and a merge that freezes what it is given: a later
    // add or merge that modified a merged accumulator would throw.
    const values: AggregateFunction<number, number[], number[]> = {
      create: () => [],
      add: (acc, v) => (acc.push(v), acc),
      merge: (a, b) => [...Object.freeze(a), ...Object.freeze(b)],
      result: (acc) => [...acc].sort((x, y) => x - y),
    };
    const { op, failures } = operator({ fn: values as AggregateFunction<unknown, unknown, unknown> });
    const c = collector();
    await op.processBatch([rec('a', 0, 1), rec('a', 20, 2), rec('a', 50, 4)], c.out);
    // [10, 20) touches [0, 10) and [20, 30): one session; [44, 54) overlaps [50, 60), [45, 55) the two.
    await op.processBatch([rec('a', 10, 8), rec('a', 44, 16), rec('a', 45, 32)], c.out);
    await op.onWatermark(29, c.out);
    expect(c.results).toEqual([['a', 0, 30, [1, 2, 8]]]);
    await op.onWatermark(59, c.out);
    expect(c.results).toEqual([['a', 0, 30, [1, 2, 8]], ['a', 44, 60, [4, 16, 32]]]);
    expect(failures).toEqual([]);
  });

  it('puts records exactly the gap apart in one session, and one more apart in two', async () => {
    const { op } = operator({ gap: 10 });
    const c = collector();
    await op.processBatch([rec('a', 0), rec('a', 10), rec('b', 0), rec('b', 11)], c.out);
    await op.onWatermark(Infinity, c.out);
    expect(c.results).toEqual([
      ['b', 0, 10, 1],
      ['a', 0, 20, 2],
      ['b', 11, 21, 1],
    ]);
  });

  it('orders a watermark\'s results by end, then key', async () => {
    const { op } = operator();
    const c = collector();
    await op.processBatch([rec('d', 5), rec('c', 0), rec('b', 5), rec('a', 3), rec('e', 0)], c.out);
    await op.onWatermark(100, c.out);
    expect(c.results.map(([key, , end]) => `${end}${key}`)).toEqual(['10c', '10e', '13a', '15b', '15d']);
  });

  it('sends a record late only when its merged session is closed, and keeps sessions open for the allowed lateness', async () => {
    for (const lateness of [0, 10]) {
      const { op } = operator({ gap: 10, lateness });
      const c = collector();
      await op.processBatch([rec('a', 46)], c.out);
      await op.onWatermark(45, c.out);
      // 35 alone [35, 45) is closed without lateness; 36 alone [36, 46) too, but it touches [46, 56).
      // 27 alone [27, 37) is closed, but touches the merged session.
      await op.processBatch([rec('a', 35, 'x'), rec('a', 36, 'y'), rec('a', 27, 'z')], c.out);
      await op.onWatermark(Infinity, c.out);
      if (lateness === 0) {
        expect(c.late).toEqual(['x']);
        expect(c.results).toEqual([['a', 27, 56, 3]]);
      } else {
        // With 10 ms of lateness [35, 45) is open until the watermark reaches 54.
        expect(c.late).toEqual([]);
        expect(c.results).toEqual([['a', 27, 56, 4]]);
      }
    }
  });

  it('fires a session once and forgets it: a later record starts a new one', async () => {
    const { op, backend } = operator({ gap: 10, lateness: 5 });
    const c = collector();
    await op.processBatch([rec('a', 0)], c.out);
    await op.onWatermark(13, c.out);
    expect(c.results).toEqual([]);
    await op.onWatermark(14, c.out);
    expect(c.results).toEqual([['a', 0, 10, 1]]);
    expect(await storedKeys(backend)).toBe(0);
    await op.processBatch([rec('a', 5), rec('a', 4)], c.out); // [4, 15) is open until 19
    await op.onWatermark(19, c.out);
    expect(c.results).toEqual([['a', 0, 10, 1], ['a', 4, 15, 2]]);
    expect(c.late).toEqual([]);
  });

  it('dead-letters a record whose aggregate keeps throwing, leaving its sessions as they were', async () => {
    const throwing: AggregateFunction<unknown, number, number> = {
      create: () => 0,
      add: (acc, v) => {
        if (v === 'bad') throw new Error('bad value');
        return acc + 1;
      },
      merge: (a, b) => a + b,
      result: (a) => a,
      pureAdd: true,
    };
    const { op, failures } = operator({ fn: throwing as AggregateFunction<unknown, unknown, unknown> });
    const c = collector();
    // The bad record would bridge [0, 10) and [20, 30): it merges nothing.
    await op.processBatch([rec('a', 0, 'ok'), rec('a', 20, 'ok'), rec('a', 10, 'bad')], c.out);
    await op.onWatermark(Infinity, c.out);
    expect(c.results).toEqual([['a', 0, 10, 1], ['a', 20, 30, 1]]);
    expect(failures.map((f) => [f.operator, f.value, String(f.error), f.attempts])).toEqual([['op', 'bad', 'Error: bad value', 3]]);
  });

  it('dead-letters a session whose result keeps throwing, and deletes it', async () => {
    const fn = { ...count(), result: (): number => { throw new Error('no result'); } };
    const { op, failures, backend } = operator({ fn: fn as AggregateFunction<unknown, unknown, unknown> });
    const c = collector();
    await op.processBatch([rec('a', 0)], c.out);
    await op.onWatermark(Infinity, c.out);
    expect(c.results).toEqual([]);
    expect(failures.map((f) => f.value)).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10 }]);
    expect(await storedKeys(backend)).toBe(0);
  });

  it('continues after a restore from what the backend holds', async () => {
    const backend = new MemoryStateBackend();
    const before = operator({ backend });
    const c = collector();
    await before.op.processBatch([rec('a', 0), rec('b', 30), rec('a', 8)], c.out);
    await before.op.onWatermark(17, c.out);
    expect(c.results).toEqual([['a', 0, 18, 2]]);

    const after = operator({ backend });
    await after.op.restore(17);
    // The restored clock: a record whose window closed at 17 is late; b's session still merges.
    await after.op.processBatch([rec('a', 7, 'late'), rec('b', 35)], c.out);
    await after.op.onWatermark(44, c.out);
    expect(c.late).toEqual(['late']);
    expect(c.results).toEqual([['a', 0, 18, 2], ['b', 30, 45, 2]]);
    expect(await storedKeys(backend)).toBe(0);
  });

  it('refuses early firing and other windows', () => {
    const { ctx } = operatorContext({ tables: [SESSIONS, INDEX] });
    expect(() => new SessionWindowOperator(ctx, { window: session(10), allowedLatenessMs: 0, earlyFiringMs: 1_000 }, count())).toThrow(/no early firing/);
    expect(() => new SessionWindowOperator(ctx, { window: tumbling(10), allowedLatenessMs: 0, earlyFiringMs: null }, count())).toThrow(/not tumbling/);
  });
});
