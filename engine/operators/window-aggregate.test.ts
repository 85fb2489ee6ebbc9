import { describe, expect, it } from 'vitest';
import type { WindowResult } from '../api/functions.js';
import { aggregates, count, sum } from '../aggregate/aggregate-function.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import type { KeyRange } from '../state/state-backend.js';
import { sliding } from '../windows/window-spec.js';
import type { Output, StreamRecord } from './operator.js';
import { WindowAggregateOperator } from './window-aggregate.js';
import { operatorContext } from './testing/operator-context.js';

const SLICES = 1;
const INDEX = 2;

/** Counts the slice entries that scans hand out (byte 2 of a state key is its table). */
class CountingBackend extends MemoryStateBackend {
  sliceRowsRead = 0;
  override async *scan(range: KeyRange): AsyncIterable<readonly [Buffer, Buffer]> {
    for await (const row of super.scan(range)) {
      if (row[0][2] === SLICES) this.sliceRowsRead += 1;
      yield row;
    }
  }
}

const operator = (backend: MemoryStateBackend, cacheEntries: number): WindowAggregateOperator =>
  new WindowAggregateOperator(
    operatorContext({ backend, tables: [SLICES, INDEX], cacheEntries }).ctx,
    // Windows of 4 s every 1 s: each 1 s slice takes part in four windows.
    { window: sliding(4_000, 1_000), allowedLatenessMs: 0, earlyFiringMs: null },
    count(),
  );

const rec = (key: string, timestamp: number): StreamRecord => ({ value: null, timestamp, key, keyGroup: 0 });

/** Final results per window end: key → count. */
function collector(): { out: Output; byEnd: Map<number, Record<string, number>> } {
  const byEnd = new Map<number, Record<string, number>>();
  const out: Output = {
    emit: (r) => {
      const w = r.value as WindowResult<number>;
      byEnd.set(w.windowEnd, { ...byEnd.get(w.windowEnd), [w.key]: w.value });
    },
  };
  return { out, byEnd };
}

describe('window aggregate after a restore', () => {
  it('reads each restored slice from the store once, not at every window it belongs to, and keeps it exact', async () => {
    const backend = new CountingBackend();
    const before = operator(backend, 100);
    const ignored = collector();
    // a: one record in each of the slices ending 1, 2, 3 and 4 s; b: two in the last.
    await before.processBatch([rec('a', 500), rec('a', 1_500), rec('a', 2_500), rec('a', 3_500), rec('b', 3_600), rec('b', 3_650)], ignored.out);
    await before.flush();

    const after = operator(backend, 100);
    await after.restore(-Infinity);
    const { out, byEnd } = collector();
    await after.onWatermark(3_999, out);
    expect(byEnd.get(1_000)).toEqual({ a: 1 });
    expect(byEnd.get(2_000)).toEqual({ a: 2 });
    expect(byEnd.get(3_000)).toEqual({ a: 3 });
    expect(byEnd.get(4_000)).toEqual({ a: 4, b: 2 });
    // Five entries are stored; read again for each of the four windows they would be 1 + 2 + 3 + 5.
    expect(backend.sliceRowsRead).toBe(5);

    // A record for a slice that came back to the heap counts there, and reaches the store at flush.
    await after.processBatch([rec('b', 3_700)], out);
    await after.flush();
    await after.onWatermark(4_999, out);
    expect(byEnd.get(5_000)).toEqual({ a: 3, b: 3 });
    expect(backend.sliceRowsRead).toBe(5);

    const again = operator(backend, 100);
    await again.restore(4_999);
    await again.onWatermark(5_999, out);
    expect(byEnd.get(6_000)).toEqual({ a: 2, b: 3 });
    // The slice ending at 1 s expired with the window ending at 4 s: its entry left the store.
    const sliceEnds: number[] = [];
    for await (const [k] of backend.scan({ gte: Buffer.from([0, 0, SLICES]), lt: Buffer.from([0, 0, SLICES + 1]) })) sliceEnds.push(Number(k.readBigUInt64BE(3)));
    expect(sliceEnds).not.toContain(1_000);
  });

  it('reads restored slices from the store at every window when they do not fit in the cache, with the same results', async () => {
    const backend = new CountingBackend();
    const before = operator(backend, 100);
    await before.processBatch([rec('a', 500), rec('a', 1_500), rec('a', 2_500), rec('a', 3_500), rec('b', 3_600), rec('b', 3_650)], collector().out);
    await before.flush();
    const after = operator(backend, 1);
    await after.restore(-Infinity);
    const { out, byEnd } = collector();
    await after.onWatermark(3_999, out);
    expect(byEnd.get(4_000)).toEqual({ a: 4, b: 2 });
    // One entry fits: the first window's slice comes back to the heap, the others are read each time.
    expect(backend.sliceRowsRead).toBe(1 + 1 + 2 + 4);
  });
});

describe('window aggregate fires', () => {
  it('merge slices into an accumulator of their own, leaving the cached ones as they were for later windows', async () => {
    const stats = aggregates({ n: count<number>(), total: sum((v: number) => v) });
    const op = new WindowAggregateOperator(
      operatorContext({ backend: new MemoryStateBackend(), tables: [SLICES, INDEX], cacheEntries: 100 }).ctx,
      { window: sliding(4_000, 1_000), allowedLatenessMs: 0, earlyFiringMs: null },
      stats,
    );
    const byEnd = new Map<number, Record<string, unknown>>();
    const out: Output = {
      emit: (r) => {
        const w = r.value as WindowResult<unknown>;
        byEnd.set(w.windowEnd, { ...byEnd.get(w.windowEnd), [w.key]: w.value });
      },
    };
    // Key a: the value 10^s in each slice s (ending at s + 1 seconds), so a sum tells which slices it holds.
    const values = [1, 10, 100, 1_000, 10_000, 100_000];
    await op.processBatch(values.map((v, s) => ({ value: v, timestamp: s * 1_000 + 500, key: 'a', keyGroup: 0 })), out);
    await op.onWatermark(5_999, out);
    expect(byEnd.get(3_000)).toEqual({ a: { n: 3, total: 111 } });
    expect(byEnd.get(4_000)).toEqual({ a: { n: 4, total: 1_111 } });
    expect(byEnd.get(5_000)).toEqual({ a: { n: 4, total: 11_110 } });
    expect(byEnd.get(6_000)).toEqual({ a: { n: 4, total: 111_100 } });
  });
});
