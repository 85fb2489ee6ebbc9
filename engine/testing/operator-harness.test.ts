import { describe, expect, it } from 'vitest';
import { count } from '../aggregate/aggregate-function.js';
import type { TopKResult, WindowResult } from '../api/functions.js';
import { JobBuilder, type BuiltJob } from '../api/job-builder.js';
import { sliding, tumbling, type WindowSpec } from '../windows/window-spec.js';
import { OperatorHarness } from './operator-harness.js';

interface Ev {
  k: string;
  t: number;
}
const noSerde = { decode: () => ({ ok: false as const, reason: 'decode' as const, detail: 'unused' }), encode: () => Buffer.alloc(0) };

function countJob(spec: WindowSpec, allowedLatenessMs = 0, earlyFiringMs?: number): BuiltJob {
  const b = new JobBuilder('counts');
  const w = b
    .source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
    .keyBy('by-k', (e) => e.k)
    .window(spec, { allowedLatenessMs, ...(earlyFiringMs === undefined ? {} : { earlyFiringMs }) })
    .aggregate('n', count<Ev>());
  w.sink('counts', { topic: 'c', encode: (r) => ({ key: r.key, value: JSON.stringify(r) }) });
  w.late().sink('late', { topic: 'l', encode: (e) => ({ key: e.k, value: JSON.stringify(e) }) });
  w.topK('top-2', { k: 2, score: (n) => n }).sink('top', { topic: 't', encode: (r) => ({ key: r.group, value: JSON.stringify(r) }) });
  return b.build();
}

const sorted = (rs: WindowResult<number>[]): string[] => rs.map((r) => `${r.windowStart}-${r.windowEnd} ${r.key}=${r.value}${r.early ? ' (early)' : ''}`).sort();

describe('operator harness', () => {
  it('counts per key in tumbling windows and fires on the watermark', async () => {
    const h = await OperatorHarness.create(countJob(tumbling(10)), { parallelism: 2 });
    await h.push('in', [{ k: 'a', t: 1 }, { k: 'b', t: 2 }, { k: 'a', t: 9 }, { k: 'a', t: 10 }]);
    expect(h.output('counts')).toEqual([]);
    await h.watermark(8);
    expect(h.output('counts')).toEqual([]); // [0,10) closes at watermark 9
    await h.watermark(9);
    expect(sorted(h.output('counts'))).toEqual(['0-10 a=2', '0-10 b=1']);
    await h.push('in', [{ k: 'b', t: 5 }]); // its only window has closed
    expect(h.output('late')).toEqual([{ k: 'b', t: 5 }]);
    await h.watermark(Infinity);
    expect(sorted(h.output('counts'))).toEqual(['0-10 a=2', '0-10 b=1', '10-20 a=1']);
    const top = h.output<TopKResult<number>>('top');
    expect(top.map((r) => [r.windowStart, r.group, r.entries.map((e) => `${e.rank}:${e.key}=${e.value}`)])).toEqual([
      [0, 'all', ['1:a=2', '2:b=1']],
      [10, 'all', ['1:a=1']],
    ]);
    await h.close();
  });

  it('shares slices between sliding windows', async () => {
    const h = await OperatorHarness.create(countJob(sliding(30, 10)));
    // t=15 is in [-10,20), [0,30), [10,40); t=25 in [0,30), [10,40), [20,50).
    await h.push('in', [{ k: 'x', t: 15 }, { k: 'x', t: 25 }]);
    await h.watermark(Infinity);
    expect(sorted(h.output('counts'))).toEqual(['-10-20 x=1', '0-30 x=2', '10-40 x=2', '20-50 x=1']);
    await h.close();
  });

  it('keeps a window open for the allowed lateness', async () => {
    const h = await OperatorHarness.create(countJob(tumbling(10), 5));
    await h.push('in', [{ k: 'a', t: 3 }]);
    await h.watermark(12);
    await h.push('in', [{ k: 'a', t: 4 }]); // late by 3 ms, allowed
    await h.watermark(14);
    expect(sorted(h.output('counts'))).toEqual(['0-10 a=2']);
    await h.push('in', [{ k: 'a', t: 5 }]);
    expect(h.output('late')).toEqual([{ k: 'a', t: 5 }]);
    await h.close();
  });

  it('restores a snapshot at another parallelism and continues', async () => {
    const job = countJob(tumbling(10));
    const h = await OperatorHarness.create(job, { parallelism: 3, backend: 'rocksdb' });
    await h.push('in', ['a', 'b', 'c', 'd', 'a'].map((k, i) => ({ k, t: i })));
    const snap = JSON.parse(JSON.stringify(await h.snapshot())) as Awaited<ReturnType<OperatorHarness['snapshot']>>;
    await h.close();
    const h2 = await OperatorHarness.restore(job, snap, { parallelism: 1 });
    await h2.push('in', [{ k: 'b', t: 7 }]);
    await h2.watermark(9);
    expect(sorted(h2.output('counts'))).toEqual(['0-10 a=2', '0-10 b=2', '0-10 c=1', '0-10 d=1']);
    await h2.close();
  });

  it('fires early, provisional results of open windows, then the final one', async () => {
    const h = await OperatorHarness.create(countJob(tumbling(100), 0, 20), { parallelism: 2 });
    await h.push('in', [{ k: 'a', t: 1 }, { k: 'b', t: 5 }, { k: 'a', t: 30 }]);
    await h.watermark(10); // the first watermark: early results of the open window
    await h.push('in', [{ k: 'b', t: 50 }, { k: 'b', t: 60 }]);
    await h.watermark(19); // no multiple of 20 crossed
    await h.watermark(45); // crossed 20 and 40: one early firing
    await h.watermark(99); // closes [0,100)
    expect(sorted(h.output('counts'))).toEqual(['0-100 a=2', '0-100 a=2 (early)', '0-100 a=2 (early)', '0-100 b=1 (early)', '0-100 b=3', '0-100 b=3 (early)']);
    const top = h.output<TopKResult<number>>('top').map((r) => `${r.early ? 'early' : 'final'} ${r.entries.map((e) => `${e.key}=${e.value}`).join(',')}`);
    expect(top).toEqual(['early a=2,b=1', 'early b=3,a=2', 'final b=3,a=2']);
    await h.close();
  });
});
