import { describe, expect, it } from 'vitest';
import type { WindowResult } from '../api/functions.js';
import type { OperatorMeter } from '../metrics/member-metrics.js';
import type { Output, StreamRecord } from './operator.js';
import { operatorContext } from './testing/operator-context.js';
import { TopKLocalOperator, type PartialTopK } from './top-k-local.js';

interface Stats {
  n: number;
  cat: string;
}

/** Counts what operators report, per operator. */
function countingMeter(): OperatorMeter & { dropped: Map<string, number> } {
  const dropped = new Map<string, number>();
  return { dropped, records: () => undefined, groupsDropped: (op, n) => void dropped.set(op, (dropped.get(op) ?? 0) + n) };
}

function collect(): Output & { partials: PartialTopK[] } {
  const partials: PartialTopK[] = [];
  return { partials, emit: (r) => void partials.push(r.value as PartialTopK) };
}

const result = (key: string, n: number, cat: string, windowEnd = 10, early = false): StreamRecord => ({
  value: { key, windowStart: windowEnd - 10, windowEnd, value: { n, cat }, early } satisfies WindowResult<Stats>,
  timestamp: windowEnd - 1,
  key,
});

/** Score descending, then key ascending, first k: written out here, apart from ranking.ts. */
const best = (rs: StreamRecord[], k: number): { key: string; score: number }[] =>
  rs
    .map((r) => r.value as WindowResult<Stats>)
    .map((r) => ({ key: r.key, score: r.value.n }))
    .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1))
    .slice(0, k);

describe('TopKLocalOperator with a cap on groups', () => {
  it('keeps the overall group and the first maxGroups - 1 others by name, whatever the arrival order, and counts each group it left out once', () => {
    const meter = countingMeter();
    const { ctx } = operatorContext({ maxGroups: 3, meter, node: 'top' });
    // The overall group sorts last by name: it is kept first anyway.
    const op = new TopKLocalOperator(ctx, { k: 2, grouped: true, overall: '~all' }, (v) => (v as Stats).n, (r) => [(r.value as Stats).cat, '~all']);
    const cats = ['z', 'b', 'y', 'a', 'c', 'b', 'a', 'z', 'c', 'a'];
    const results = cats.map((cat, i) => result(`k${i}`, (i * 7) % 5, cat));
    op.processBatch([...results.slice(5), ...results.slice(0, 5)]);
    const out = collect();
    op.onWatermark(9, out);
    const expected = new Map([
      ['~all', best(results, 2)],
      ['a', best(results.filter((r) => (r.value as WindowResult<Stats>).value.cat === 'a'), 2)],
      ['b', best(results.filter((r) => (r.value as WindowResult<Stats>).value.cat === 'b'), 2)],
    ]);
    expect(new Map(out.partials.map((p) => [p.group, p.entries.map((e) => ({ key: e.key, score: e.score }))]))).toEqual(expected);
    expect(out.partials.every((p) => p.windowStart === 0 && p.windowEnd === 10 && !p.early)).toBe(true);
    // c, y and z: once each, though each came more than once.
    expect(meter.dropped.get('top')).toBe(3);
  });

  it('caps each window, and early results apart from final ones', () => {
    const { ctx } = operatorContext({ maxGroups: 2 });
    const op = new TopKLocalOperator(ctx, { k: 1, grouped: true, overall: 'all' }, (v) => (v as Stats).n, (r) => [(r.value as Stats).cat, 'all']);
    op.processBatch([result('a', 1, 'x', 10), result('b', 1, 'w', 10), result('c', 1, 'v', 20), result('d', 1, 'u', 20, true), result('e', 1, 't', 20, true)]);
    const out = collect();
    op.onWatermark(9, out);
    expect(out.partials.map((p) => `${p.windowEnd}${p.early ? 'e' : ''}:${p.group}`).sort()).toEqual(['10:all', '10:w', '20e:all', '20e:t']);
    op.onWatermark(19, out);
    expect(out.partials.map((p) => `${p.windowEnd}${p.early ? 'e' : ''}:${p.group}`).sort()).toEqual(['10:all', '10:w', '20:all', '20:v', '20e:all', '20e:t']);
  });

  it('ranks a key once in a group its result names twice', () => {
    const { ctx } = operatorContext();
    const op = new TopKLocalOperator(ctx, { k: 3, grouped: true }, (v) => (v as Stats).n, () => ['all', 'all']);
    op.processBatch([result('a', 2, 'x'), result('b', 1, 'x')]);
    const out = collect();
    op.onWatermark(9, out);
    expect(out.partials.map((p) => p.entries.map((e) => e.key))).toEqual([['a', 'b']]);
  });

  it('dead-letters a result its score or groups function keeps throwing on (or answers wrongly), and keeps one that works when tried again', () => {
    const { ctx, failures } = operatorContext({ node: 'top' });
    let flaky = 1;
    const score = (v: unknown): number => {
      const s = v as Stats;
      if (s.cat === 'throws') throw new Error('no score');
      if (s.cat === 'flaky' && flaky-- > 0) throw new Error('not yet');
      return s.cat === 'nan' ? NaN : s.n;
    };
    const groups = (r: WindowResult<unknown>): readonly string[] => ((r.value as Stats).cat === 'no-groups' ? (null as unknown as string[]) : ['all']);
    const op = new TopKLocalOperator(ctx, { k: 10, grouped: true }, score, groups);
    op.processBatch([result('a', 5, 'ok'), result('b', 4, 'throws'), result('c', 3, 'flaky'), result('d', 2, 'nan'), result('e', 1, 'no-groups')]);
    const out = collect();
    op.onWatermark(9, out);
    expect(out.partials.map((p) => p.entries.map((e) => e.key))).toEqual([['a', 'c']]);
    expect(failures.map((f) => [f.operator, (f.value as WindowResult<unknown>).key, (f.error as Error).message])).toEqual([
      ['top', 'b', 'no score'],
      ['top', 'd', 'a top-K score function must return a finite number, got NaN'],
      ['top', 'e', 'a top-K groups function must return an array of strings'],
    ]);
  });
});
