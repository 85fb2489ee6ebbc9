import { describe, expect, it } from 'vitest';
import { aggregates, count, sum } from '../aggregate/aggregate-function.js';
import type { TopKResult } from '../api/functions.js';
import { JobBuilder } from '../api/job-builder.js';
import type { OperatorMeter } from '../metrics/member-metrics.js';
import { LocalExecutor } from '../runtime/local-executor.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import type { StateBackend } from '../state/state-backend.js';
import { mulberry32 } from '../testing/reference/random-streams.js';
import { referenceWindowTopK, type RefConfig, type RefRecord } from '../testing/reference/window-top-k-reference.js';
import { sliding } from '../windows/window-spec.js';
import type { OperatorContext, Output } from './operator.js';
import { operatorContext } from './testing/operator-context.js';
import type { PartialTopK } from './top-k-local.js';
import { TopKMergeOperator } from './top-k-merge.js';

type Entry = { key: string; score: number; value: unknown };

/** Score descending, then key ascending, first k: written out here, apart from ranking.ts. */
const best = (entries: Entry[], k: number): Entry[] => [...entries].sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, k);

function countingMeter(): OperatorMeter & { dropped: number } {
  const m = { dropped: 0, records: () => undefined, groupsDropped: (_op: string, n: number) => void (m.dropped += n) };
  return m;
}

function collect(): Output & { results: TopKResult<unknown>[] } {
  const results: TopKResult<unknown>[] = [];
  return { results, emit: (r) => void results.push(r.value as TopKResult<unknown>) };
}

async function stateEntries(backend: StateBackend): Promise<number> {
  let n = 0;
  for await (const _ of backend.scan({ gte: Buffer.alloc(0), lt: Buffer.from([0xff, 0xff]) })) n += 1;
  return n;
}

describe('TopKMergeOperator with a cap on groups', () => {
  it('keeps the first maxGroups groups of all partials (overall first) in any arrival order, across a rebuild, and counts every partial left out', async () => {
    const rnd = mulberry32(99);
    const int = (n: number): number => Math.floor(rnd() * n);
    for (let round = 0; round < 40; round += 1) {
      const maxGroups = 1 + int(6);
      const k = 1 + int(3);
      // Up to 4 tasks, each sending a partial for some of 12 groups ('~all', the overall one, sorts last by name).
      const names = ['~all', ...Array.from({ length: 11 }, (_, i) => `g${String.fromCharCode(97 + ((i * 5) % 11))}`)];
      const partials: PartialTopK[] = [];
      for (let task = 0; task < 1 + int(4); task += 1) {
        for (const group of names) {
          if (group !== '~all' && rnd() < 0.4) continue;
          const entries = best(Array.from({ length: int(4) }, (_, i) => ({ key: `t${task}-${group}-${i}`, score: int(5), value: null })), k);
          partials.push({ windowStart: 0, windowEnd: 10, group, entries, early: false });
        }
      }
      partials.sort(() => rnd() - 0.5);
      const meter = countingMeter();
      const { ctx } = operatorContext({ maxGroups, meter });
      // A rebuild halfway (as after an aborted transaction) reads what the first one held from state.
      const cut = int(partials.length + 1);
      let op = new TopKMergeOperator(ctx, { k, grouped: true, overall: '~all' });
      for (let i = 0; i < partials.length; ) {
        const n = 1 + int(4);
        const batch = partials.slice(i, Math.min(i + n, i < cut ? cut : partials.length));
        await op.processBatch(batch.map((p) => ({ value: p, timestamp: 9 })));
        i += batch.length;
        if (i === cut) op = new TopKMergeOperator(ctx, { k, grouped: true, overall: '~all' });
      }
      const out = collect();
      await op.onWatermark(9, out);

      const received = [...new Set(partials.map((p) => p.group))];
      const kept = ['~all', ...received.filter((g) => g !== '~all').sort()].slice(0, maxGroups);
      const expected = kept.sort().map((group) => ({
        windowStart: 0,
        windowEnd: 10,
        group,
        early: false,
        entries: best(partials.filter((p) => p.group === group).flatMap((p) => p.entries), k).map((e, i) => ({ rank: i + 1, ...e })),
      }));
      expect(out.results, `round ${round}`).toEqual(expected);
      expect(meter.dropped, `round ${round}`).toBe(partials.filter((p) => !kept.includes(p.group)).length);
      expect(await stateEntries(ctx.backend), `round ${round}: state left`).toBe(0);
    }
  });

  it('drops the groups over a cap lowered since they were stored', async () => {
    const { ctx } = operatorContext({ maxGroups: 4 });
    const partial = (group: string): PartialTopK => ({ windowStart: 0, windowEnd: 10, group, entries: [{ key: `k-${group}`, score: 1, value: null }], early: false });
    await new TopKMergeOperator(ctx, { k: 1, grouped: true }).processBatch(['d', 'c', 'b', 'a'].map((g) => ({ value: partial(g), timestamp: 9 })));
    const meter = countingMeter();
    const lowered: OperatorContext = { ...ctx, maxGroups: 2, meter };
    const op = new TopKMergeOperator(lowered, { k: 1, grouped: true });
    await op.processBatch([{ value: partial('b'), timestamp: 9 }]);
    const out = collect();
    await op.onWatermark(9, out);
    expect(out.results.map((r) => r.group)).toEqual(['a', 'b']);
    expect(meter.dropped).toBe(2);
  });
});

describe('both top-K phases, a flood of groups', () => {
  it('5,000 categories: per window the overall ranking and the first 999 categories by name, each equal to the reference', async () => {
    const rnd = mulberry32(5_000);
    // Names whose UTF-16 order differs from their UTF-8 (and code point) order, as state keys sort.
    const prefixes = ['cat-', 'Cat-', '\u00c4-', '\uff01-', '\u{1f600}-'];
    const categories = Array.from({ length: 5_000 }, (_, i) => `${prefixes[i % prefixes.length]}${(i * 7919) % 5_000}`);
    const categoryOf = (key: string): string => categories[Number(key.slice(2)) % categories.length]!;
    const records: RefRecord[] = Array.from({ length: 24_000 }, () => ({ key: `c-${Math.floor(rnd() * 12_000)}`, ts: Math.floor(rnd() * 60), value: 1 }));
    const config: RefConfig = { window: { kind: 'sliding', size: 20, slide: 10 }, allowedLateness: 0, k: 3, groupsOf: (key) => [categoryOf(key), '~all'] };

    const b = new JobBuilder('flood', 128);
    b.source<RefRecord>('in', { topic: 'in', serde: { decode: () => ({ ok: false, reason: 'decode', detail: 'unused' }), encode: () => Buffer.alloc(0) }, timestamp: (r) => r.ts })
      .keyBy('by-key', (r) => r.key)
      .window(sliding(20, 10))
      .aggregate('stats', aggregates({ count: count<RefRecord>(), sum: sum((r: RefRecord) => r.value) }))
      .topK('top', { k: config.k, score: (v) => v.count, groups: (r) => config.groupsOf(r.key), overall: '~all' })
      .sink('out', { topic: 'out', encode: (v) => ({ key: v.group, value: '' }) });
    const executor = new LocalExecutor(b.build(), { parallelism: 3, backends: [0, 1, 2].map(() => new MemoryStateBackend()), maxGroups: 1_000, nowMs: 0 });
    await executor.pushSource('in', records);
    await executor.advanceWatermark(Infinity);
    const got = executor.sinkOutput('out').map((r) => {
      const t = r.value as TopKResult<{ count: number; sum: number }>;
      return { windowStart: t.windowStart, windowEnd: t.windowEnd, group: t.group, entries: t.entries.map((e) => ({ key: e.key, count: e.value.count, sum: e.value.sum })) };
    });

    const reference = referenceWindowTopK([{ kind: 'records', records }], config).results;
    const firstByName = new Map<number, Set<string>>();
    for (const r of reference) {
      if (r.group === '~all') continue;
      const names = firstByName.get(r.windowEnd) ?? new Set();
      // The reference lists a window's groups in name order.
      if (names.size < 999) names.add(r.group);
      firstByName.set(r.windowEnd, names);
    }
    const expected = reference.filter((r) => r.group === '~all' || firstByName.get(r.windowEnd)!.has(r.group));
    expect(new Set(reference.map((r) => r.group)).size).toBeGreaterThan(4_000);
    expect(expected.length).toBe(7 * 1_000);
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);
  });
});
