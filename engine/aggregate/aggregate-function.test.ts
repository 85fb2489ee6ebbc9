import { describe, expect, it } from 'vitest';
import { aggregates, avg, count, attribute, max, min, sum, type AggregateFunction } from './aggregate-function.js';

/** Folds values the two ways a window can: all at once, and split into slices that are merged. */
function both<I, A, O>(f: AggregateFunction<I, A, O>, values: I[], cut: number): [O, O] {
  const fold = (vs: I[]): A => vs.reduce((a, v) => f.add(a, v), f.create());
  // JSON round trip: accumulators live in state as JSON.
  const viaState = (a: A): A => JSON.parse(JSON.stringify(a)) as A;
  return [f.result(fold(values)), f.result(f.merge(viaState(fold(values.slice(0, cut))), viaState(fold(values.slice(cut)))))];
}

describe('aggregate functions', () => {
  const xs = [5, -2, 9, 3, 3, 11, 0];
  it.each([
    ['count', count<number>(), 7],
    ['sum', sum((x: number) => x), 29],
    ['min', min((x: number) => x), -2],
    ['max', max((x: number) => x), 11],
    ['avg', avg((x: number) => x), 29 / 7],
  ] as const)('%s gives the same result whole and merged from slices', (_name, f, expected) => {
    for (let cut = 0; cut <= xs.length; cut += 1) {
      const [whole, merged] = both(f as AggregateFunction<number, unknown, number>, xs, cut);
      expect(whole).toBeCloseTo(expected, 12);
      expect(merged).toBeCloseTo(expected, 12);
    }
  });

  it('attribute keeps a per-key attribute', () => {
    expect(both(attribute((x: { c: string }) => x.c), [{ c: 'movies' }, { c: 'movies' }], 1)).toEqual(['movies', 'movies']);
  });

  it('combines several aggregates into one object', () => {
    const f = aggregates({ n: count<{ s: number }>(), total: sum((e: { s: number }) => e.s) });
    const [whole, merged] = both(f, [{ s: 1 }, { s: 2 }, { s: 4 }], 1);
    expect(whole).toEqual({ n: 3, total: 7 });
    expect(merged).toEqual({ n: 3, total: 7 });
  });

  it('merges aggregates into an accumulator in place, leaving the other as it was', () => {
    const f = aggregates({ n: count<number>(), total: sum((v: number) => v), first: attribute((v: number) => v) });
    const into = f.add(f.add(f.create(), 2), 3);
    const from = f.add(f.create(), 40);
    f.mergeInto!(into, from);
    expect(into).toEqual({ n: 3, total: 45, first: 2 });
    expect(from).toEqual({ n: 1, total: 40, first: 40 });
  });

  it('leaves the accumulator as it was when one field of a merge in place throws', () => {
    const failing: AggregateFunction<number, number, number> = { ...sum((v: number) => v), merge: () => { throw new Error('no'); } };
    const f = aggregates({ n: count<number>(), bad: failing });
    const into = f.add(f.create(), 5);
    expect(() => f.mergeInto!(into, f.add(f.create(), 7))).toThrow('no');
    expect(into).toEqual({ n: 1, bad: 5 });
  });
});
