/**
 * A user function that throws on a record: retried in place, then dead-lettered with the node's
 * name (or the job stopped, under the `fail` policy), with whatever the failed calls changed undone.
 * Every operator kind that runs user code, through the harness (the same executor a task runs).
 */
import { describe, expect, it } from 'vitest';
import { count, type AggregateFunction } from '../aggregate/aggregate-function.js';
import { JobBuilder, type BuiltJob } from '../api/job-builder.js';
import { valueState } from '../api/process-function.js';
import { FatalJobError } from '../runtime/member-failure.js';
import { OperatorHarness } from '../testing/operator-harness.js';
import { tumbling } from '../windows/window-spec.js';

interface Ev {
  k: string;
  t: number;
  n: number;
}
const noSerde = { decode: () => ({ ok: false as const, reason: 'decode' as const, detail: 'unused' }), encode: () => Buffer.alloc(0) };
const json = { topic: 'out', encode: (v: unknown) => ({ key: null, value: JSON.stringify(v) }) };
const ev = (k: string, t: number, n = 1): Ev => ({ k, t, n });

async function harnessOf(build: (b: JobBuilder) => void, userCode?: { onError?: 'dlq' | 'fail'; attempts?: number }): Promise<OperatorHarness> {
  const b = new JobBuilder('user-code', 128, userCode);
  build(b);
  const job: BuiltJob = b.build();
  return OperatorHarness.create(job, { parallelism: 2 });
}

describe('user code that throws', () => {
  it('dead-letters the record a map keeps throwing on, after 3 calls, and lets the others through', async () => {
    const calls = new Map<string, number>();
    const h = await harnessOf((b) =>
      b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
        .map('double', (e) => {
          calls.set(e.k, (calls.get(e.k) ?? 0) + 1);
          if (e.k === 'bad') throw new Error('no bad keys');
          return e.n * 2;
        })
        .sink('out', json),
    );
    await h.push('in', [ev('a', 1, 1), ev('bad', 2), ev('b', 3, 5)]);
    expect(h.output('out')).toEqual([2, 10]);
    expect(calls.get('bad')).toBe(3);
    expect(h.deadLetters()).toEqual([{ reason: 'user-code', detail: 'no bad keys', operator: 'double', value: ev('bad', 2) }]);
  });

  it('keeps a record whose function fails only at first', async () => {
    let failures = 2;
    const h = await harnessOf((b) =>
      b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
        .filter('flaky', () => {
          if (failures-- > 0) throw new Error('not yet');
          return true;
        })
        .sink('out', json),
    );
    await h.push('in', [ev('a', 1)]);
    expect(h.output('out')).toEqual([ev('a', 1)]);
    expect(h.deadLetters()).toEqual([]);
  });

  it('emits nothing of a flatMap attempt that threw halfway', async () => {
    let attempt = 0;
    const h = await harnessOf((b) =>
      b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
        .flatMap('split', function* (e) {
          attempt += 1;
          yield `${e.k}-first-${attempt}`;
          if (attempt < 3) throw new Error('halfway');
          yield `${e.k}-second-${attempt}`;
        })
        .sink('out', json),
    );
    await h.push('in', [ev('a', 1)]);
    expect(h.output('out')).toEqual(['a-first-3', 'a-second-3']);
  });

  it('undoes the state, timers and outputs of a process call that threw', async () => {
    const h = await harnessOf((b) =>
      b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
        .keyBy('by-k', (e) => e.k)
        .process('total', {
          state: { total: valueState<number>() },
          processElement(e, ctx, out) {
            const total = (ctx.state.total.get() ?? 0) + e.n;
            ctx.state.total.set(total);
            ctx.timers.registerEventTimeTimer(e.t + 100);
            out({ k: ctx.key, total });
            if (e.n < 0) throw new Error('negative');
          },
          onTimer(time, _domain, ctx, out) {
            out({ k: ctx.key, timer: time, total: ctx.state.total.get() });
          },
        })
        .sink('out', json),
    );
    await h.push('in', [ev('a', 1, 5), ev('a', 2, -100), ev('a', 3, 1)]);
    await h.watermark(1_000);
    expect(h.output('out')).toEqual([
      { k: 'a', total: 5 },
      { k: 'a', total: 6 },
      // The failed call's timer (at 102) never fires; its write of -95 is gone.
      { k: 'a', timer: 101, total: 6 },
      { k: 'a', timer: 103, total: 6 },
    ]);
    expect(h.deadLetters().map((d) => [d.reason, d.operator, d.value])).toEqual([['user-code', 'total', ev('a', 2, -100)]]);
  });

  it.each([true, false])('leaves a window accumulator as it was when add throws halfway (pureAdd %s)', async (pureAdd) => {
    // An in-place add that changes the accumulator before it throws: only a fresh accumulator
    // (pureAdd false) keeps the half update out; a pure add never makes one.
    const sumAdd: AggregateFunction<Ev, { sum: number }, number> = {
      create: () => ({ sum: 0 }),
      add: (acc, e) => {
        if (pureAdd) {
          if (e.n < 0) throw new Error('negative');
          return { sum: acc.sum + e.n };
        }
        acc.sum += e.n;
        if (e.n < 0) throw new Error('negative');
        return acc;
      },
      merge: (a, b) => ({ sum: a.sum + b.sum }),
      result: (acc) => acc.sum,
      pureAdd,
    };
    const h = await harnessOf((b) =>
      b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
        .keyBy('by-k', (e) => e.k)
        .window(tumbling(10))
        .aggregate('sum', sumAdd)
        .sink('out', json),
    );
    await h.push('in', [ev('a', 1, 2), ev('a', 2, -50), ev('a', 3, 3), ev('b', 4, -1)]);
    await h.watermark(100);
    // 'b' had only its failing record: no window result at all for it.
    expect(h.output<{ key: string; value: number }>('out').map((r) => [r.key, r.value])).toEqual([['a', 5]]);
    expect(h.deadLetters().map((d) => d.value)).toEqual([ev('a', 2, -50), ev('b', 4, -1)]);
  });

  it("dead-letters a window's result for one key when result() throws, with the key and window", async () => {
    const h = await harnessOf((b) =>
      b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
        .keyBy('by-k', (e) => e.k)
        .window(tumbling(10))
        .aggregate('views', {
          ...count<Ev>(),
          result: (n: number) => {
            if (n > 1) throw new Error('too many');
            return n;
          },
        })
        .sink('out', json),
    );
    await h.push('in', [ev('a', 1), ev('a', 2), ev('b', 3)]);
    await h.watermark(100);
    expect(h.output<{ key: string }>('out').map((r) => r.key)).toEqual(['b']);
    expect(h.deadLetters()).toEqual([{ reason: 'user-code', detail: 'too many', operator: 'views', value: { key: 'a', windowStart: 0, windowEnd: 10 } }]);
  });

  it('dead-letters records whose key is not a string, whose encoding is not one, or whose timestamp function throws', async () => {
    const h = await harnessOf((b) =>
      b.source<Ev>('in', {
        topic: 'in',
        serde: noSerde,
        timestamp: (e) => {
          if (e.k === 'no-time') throw new Error('no time');
          return e.t;
        },
      })
        .keyBy('by-k', (e) => (e.k === 'no-key' ? (undefined as unknown as string) : e.k))
        .process('pass', { state: {}, processElement: (e: Ev, _ctx, out: (v: Ev) => void) => out(e) })
        .sink('out', { topic: 'out', encode: (e) => (e.k === 'no-encoding' ? ({ key: null, value: 42 } as unknown as { key: null; value: string }) : { key: e.k, value: String(e.n) }) }),
    );
    await h.push('in', [ev('a', 1), ev('no-key', 2), ev('no-encoding', 3), ev('no-time', 4), ev('b', 5)]);
    expect(h.output<Ev>('out').map((e) => e.k)).toEqual(['a', 'b']);
    expect(h.deadLetters().map((d) => [d.operator, d.detail])).toEqual([
      ['in', 'no time'],
      ['by-k', 'TypeError: a keyBy function must return a string, got undefined'],
      ['out', 'TypeError: an encode function must return { key: string | Buffer | null, value: string | Buffer }'],
    ]);
  });

  it('dead-letters event times it cannot use, with reason time, before they reach any operator', async () => {
    const h = await harnessOf((b) => b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t }).sink('out', json));
    await h.push('in', [ev('neg', -1), ev('frac', 1.5), ev('nan', Number.NaN), ev('huge', Number.MAX_SAFE_INTEGER), ev('ok', 7)]);
    expect(h.output<Ev>('out').map((e) => e.k)).toEqual(['ok']);
    expect(h.deadLetters().map((d) => [d.reason, (d.value as Ev).k])).toEqual([['time', 'neg'], ['time', 'frac'], ['time', 'nan'], ['time', 'huge']]);
  });

  it("stops the job under the 'fail' policy, after the attempts", async () => {
    let calls = 0;
    const h = await harnessOf(
      (b) =>
        b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
          .map('boom', () => {
            calls += 1;
            throw new Error('boom');
          })
          .sink('out', json),
      { onError: 'fail', attempts: 2 },
    );
    await expect(h.push('in', [ev('a', 1)])).rejects.toThrow(FatalJobError);
    expect(calls).toBe(2);
  });
});
