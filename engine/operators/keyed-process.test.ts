import { describe, expect, it } from 'vitest';
import { JobBuilder, type BuiltJob } from '../api/job-builder.js';
import { listState, mapState, reducingState, valueState, type KeyedProcessFunction, type StateDescriptors } from '../api/process-function.js';
import { ALL_STATE_KEYS, KeyReader, stateKey } from '../state/key-codec.js';
import type { StateBackend } from '../state/state-backend.js';
import { OperatorHarness } from '../testing/operator-harness.js';
import { KeyedProcessOperator } from './keyed-process.js';
import type { OperatorContext, Output, StreamRecord } from './operator.js';
import { operatorContext } from './testing/operator-context.js';

interface Ev {
  user: string;
  page: string;
  t: number;
}
const noSerde = { decode: () => ({ ok: false as const, reason: 'decode' as const, detail: 'unused' }), encode: () => Buffer.alloc(0) };

/** Per user: visit count, pages seen, last 3 pages, longest page name; a session summary 10 ms after the last visit. */
function sessionJob(ttlMs?: number): BuiltJob {
  const b = new JobBuilder('sessions');
  b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
    .keyBy('by-user', (e) => e.user)
    .process('sessions', {
      state: {
        visits: valueState<number>(ttlMs === undefined ? {} : { ttlMs }),
        pages: mapState<number>(),
        recent: listState<string>(),
        longest: reducingState<string>((a, b) => (b.length > a.length ? b : a)),
        timer: valueState<number>(),
      },
      processElement(e, ctx, out) {
        const visits = (ctx.state.visits.get() ?? 0) + 1;
        ctx.state.visits.set(visits);
        ctx.state.pages.set(e.page, (ctx.state.pages.get(e.page) ?? 0) + 1);
        ctx.state.recent.update([...ctx.state.recent.get(), e.page].slice(-3));
        ctx.state.longest.add(e.page);
        const old = ctx.state.timer.get();
        if (old !== undefined) ctx.timers.deleteEventTimeTimer(old);
        ctx.timers.registerEventTimeTimer(e.t + 10);
        ctx.state.timer.set(e.t + 10);
        out({ kind: 'visit', user: ctx.key, visits });
      },
      onTimer(ts, domain, ctx, out) {
        out({ kind: 'session', user: ctx.key, at: ts, domain, visits: ctx.state.visits.get(), pages: ctx.state.pages.entries().sort(), recent: ctx.state.recent.get(), longest: ctx.state.longest.get() });
        ctx.state.visits.clear();
        ctx.state.pages.clear();
        ctx.state.recent.clear();
        ctx.state.longest.clear();
        ctx.state.timer.clear();
      },
    })
    .sink('out', { topic: 'out', encode: (v) => ({ key: null, value: JSON.stringify(v) }) });
  return b.build();
}

describe('keyed process function', () => {
  it.each(['memory', 'rocksdb'] as const)('keeps keyed state and fires event-time timers (%s)', async (backend) => {
    const job = sessionJob();
    const h = await OperatorHarness.create(job, { parallelism: 2, backend });
    await h.push('in', [
      { user: 'u1', page: 'home', t: 1 },
      { user: 'u2', page: 'search', t: 2 },
      { user: 'u1', page: 'watch', t: 5 },
    ]);
    await h.watermark(14); // u1's timer is at 15, u2's at 12
    const snap = await h.snapshot();
    await h.close();
    const h2 = await OperatorHarness.restore(job, snap, { parallelism: 1, backend });
    await h2.push('in', [{ user: 'u1', page: 'home', t: 14 }]); // moves u1's timer to 24
    await h2.watermark(30);
    expect(h.output('out').filter((v) => (v as { kind: string }).kind === 'visit')).toEqual([
      { kind: 'visit', user: 'u1', visits: 1 },
      { kind: 'visit', user: 'u2', visits: 1 },
      { kind: 'visit', user: 'u1', visits: 2 },
    ]);
    expect(h.output('out').filter((v) => (v as { kind: string }).kind === 'session')).toEqual([
      { kind: 'session', user: 'u2', at: 12, domain: 'event-time', visits: 1, pages: [['search', 1]], recent: ['search'], longest: 'search' },
    ]);
    expect(h2.output('out')).toEqual([
      { kind: 'visit', user: 'u1', visits: 3 },
      { kind: 'session', user: 'u1', at: 24, domain: 'event-time', visits: 3, pages: [['home', 2], ['watch', 1]], recent: ['home', 'watch', 'home'], longest: 'watch' },
    ]);
    await h2.close();
  });

  it('expires state after its TTL (processing time)', async () => {
    const h = await OperatorHarness.create(sessionJob(1_000), { nowMs: 0 });
    await h.push('in', [{ user: 'u', page: 'a', t: 1 }]);
    await h.processingTime(500);
    await h.push('in', [{ user: 'u', page: 'b', t: 2 }]);
    await h.processingTime(1_400); // last write at 500: 100 ms left to live
    await h.push('in', [{ user: 'u', page: 'c', t: 3 }]);
    await h.processingTime(2_500); // last write at 1400: expired at 2400
    await h.push('in', [{ user: 'u', page: 'd', t: 4 }]);
    expect(h.output('out').map((v) => (v as { visits: number }).visits)).toEqual([1, 2, 3, 1]);
    await h.close();
  });
});

describe('processing-time timers', () => {
  it('fire when processing time passes them, and survive a snapshot', async () => {
    const b = new JobBuilder('reminders');
    b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
      .keyBy('by-user', (e) => e.user)
      .process('remind', {
        state: { pages: listState<string>() },
        processElement(e, ctx) {
          ctx.state.pages.add(e.page);
          ctx.timers.registerProcessingTimeTimer(1_000);
        },
        onTimer(ts, domain, ctx, out) {
          out({ user: ctx.key, ts, domain, pages: ctx.state.pages.get() });
        },
      })
      .sink('out', { topic: 'out', encode: (v) => ({ key: null, value: JSON.stringify(v) }) });
    const job = b.build();
    const h = await OperatorHarness.create(job, { nowMs: 0, parallelism: 2 });
    await h.push('in', [{ user: 'a', page: 'p1', t: 1 }, { user: 'b', page: 'p2', t: 1 }, { user: 'a', page: 'p3', t: 2 }]);
    await h.processingTime(999);
    await h.watermark(5_000); // event time does not fire processing-time timers
    expect(h.output('out')).toEqual([]);
    const h2 = await OperatorHarness.restore(job, await h.snapshot(), { parallelism: 1 });
    await h.close();
    await h2.processingTime(1_000);
    expect(h2.output('out')).toEqual([
      { user: 'a', ts: 1_000, domain: 'processing-time', pages: ['p1', 'p3'] },
      { user: 'b', ts: 1_000, domain: 'processing-time', pages: ['p2'] },
    ]);
    await h2.close();
  });
});

/** Per user, the last page seen (kept for 1 s after its write); emits the one before. */
function lastPageJob(): BuiltJob {
  const b = new JobBuilder('last-page');
  b.source<Ev>('in', { topic: 'in', serde: noSerde, timestamp: (e) => e.t })
    .keyBy('by-user', (e) => e.user)
    .process('last', {
      state: { page: valueState<string>({ ttlMs: 1_000 }) },
      processElement(e, ctx, out) {
        out({ user: ctx.key, before: ctx.state.page.get() ?? null });
        ctx.state.page.set(e.page);
      },
    })
    .sink('out', { topic: 'out', encode: (v) => ({ key: null, value: JSON.stringify(v) }) });
  return b.build();
}

/** What a harness's backends hold, read from a snapshot (not through the operator): values, and how many empty entries (expiries). */
async function stored(h: OperatorHarness): Promise<{ values: unknown[]; empty: number }> {
  const { entries } = await h.snapshot();
  const values = entries.map(([, v]) => Buffer.from(v, 'base64')).filter((v) => v.length > 0);
  return { values: values.map((v) => (JSON.parse(v.toString()) as { v: unknown }).v).sort(), empty: entries.length - values.length };
}

/** The operator of `fn` alone, built as build-operators.ts builds it. */
function processOperator<IN, S extends StateDescriptors>(ctx: OperatorContext, fn: KeyedProcessFunction<IN, unknown, S>): KeyedProcessOperator {
  return new KeyedProcessOperator(ctx, { states: Object.keys(fn.state) }, fn);
}

async function countEntries(backend: StateBackend): Promise<number> {
  let n = 0;
  for await (const _ of backend.scan(ALL_STATE_KEYS)) n += 1;
  return n;
}

describe('state TTL', () => {
  it.each(['memory', 'rocksdb'] as const)('deletes expired entries from the store as processing time passes, across a restore (%s)', async (backend) => {
    const job = lastPageJob();
    const h = await OperatorHarness.create(job, { nowMs: 0, parallelism: 2, backend });
    await h.push('in', [{ user: 'u1', page: 'a', t: 1 }, { user: 'u2', page: 'b', t: 1 }]);
    expect(await stored(h)).toEqual({ values: ['a', 'b'], empty: 2 });
    await h.processingTime(500);
    await h.push('in', [{ user: 'u1', page: 'c', t: 2 }]); // rewritten: expires at 1500, its old expiry (1000) stays behind
    expect(await stored(h)).toEqual({ values: ['b', 'c'], empty: 3 });
    await h.processingTime(1_000); // u2 (written at 0) expires; u1's old expiry must not take 'c' with it
    expect(await stored(h)).toEqual({ values: ['c'], empty: 1 });
    const h2 = await OperatorHarness.restore(job, await h.snapshot(), { parallelism: 3, backend });
    await h.close();
    await h2.processingTime(1_499);
    expect(await stored(h2)).toEqual({ values: ['c'], empty: 1 });
    await h2.processingTime(1_500);
    expect(await stored(h2)).toEqual({ values: [], empty: 0 });
    await h2.push('in', [{ user: 'u1', page: 'd', t: 3 }]);
    expect(h2.output('out')).toEqual([{ user: 'u1', before: null }]);
    await h2.close();
  });

  it('deletes more expired entries than one chunk, over several key groups', async () => {
    const { ctx } = operatorContext({ tables: [1, 2, 3, 4], keyGroups: { start: 0, end: 1 }, maxParallelism: 2 });
    const op = processOperator(ctx, { state: { seen: valueState<boolean>({ ttlMs: 10 }) }, processElement: (_, c) => c.state.seen.set(true) });
    const out: Output = { emit: () => undefined };
    await op.processBatch(Array.from({ length: 10_001 }, (_, i): StreamRecord => ({ value: i, timestamp: 0, key: `k${i}`, keyGroup: i % 2 })), out);
    expect(await countEntries(ctx.backend)).toBe(20_002);
    await op.onProcessingTime(10, out);
    expect(await countEntries(ctx.backend)).toBe(0);
  });
});

describe('end of input (∞)', () => {
  /** Each record adds 10 and registers a processing-time timer at its value; each firing adds 1 and registers one 1 s later. */
  function repeating(clock: { now: number }) {
    const { ctx } = operatorContext({ tables: [1, 2, 3, 4], now: () => clock.now });
    const fired: StreamRecord[] = [];
    const op = processOperator(ctx, {
      state: { count: valueState<number>({ ttlMs: 100 }) },
      processElement(at: number, c) {
        c.state.count.set((c.state.count.get() ?? 0) + 10);
        c.timers.registerProcessingTimeTimer(at);
      },
      onTimer(ts, domain, c, emit) {
        const count = (c.state.count.get() ?? 0) + 1;
        c.state.count.set(count);
        emit({ key: c.key, ts, domain, count });
        // Bounded, so that firing what it registers shows as a failure rather than a hang.
        if (fired.length < 20) c.timers.registerProcessingTimeTimer(ts + 1_000);
      },
    });
    return { ctx, op, fired, out: { emit: (r: StreamRecord) => fired.push(r) } };
  }

  async function pendingTimers(backend: StateBackend): Promise<string[]> {
    const found: string[] = [];
    for await (const [k] of backend.scan({ gte: stateKey(0, 3).finish(), lt: stateKey(0, 4).finish() })) {
      const r = new KeyReader(k.subarray(3));
      const time = r.u64();
      found.push(`${r.tail()}@${time}`);
    }
    return found.sort();
  }

  it('fires every pending timer once, in time order, and not the timers they register', async () => {
    const clock = { now: 0 };
    const { ctx, op, fired, out } = repeating(clock);
    await op.processBatch([
      { value: 3_000, timestamp: 0, key: 'a', keyGroup: 0 },
      { value: 1_000, timestamp: 0, key: 'b', keyGroup: 0 },
      { value: 2_000, timestamp: 0, key: 'a', keyGroup: 0 },
      { value: 2_000, timestamp: 0, key: 'c', keyGroup: 0 },
    ], out);
    await op.onProcessingTime(Infinity, out);
    expect(fired.map((r) => [r.timestamp, r.value])).toEqual([
      [1_000, { key: 'b', ts: 1_000, domain: 'processing-time', count: 11 }],
      [2_000, { key: 'a', ts: 2_000, domain: 'processing-time', count: 21 }],
      [2_000, { key: 'c', ts: 2_000, domain: 'processing-time', count: 11 }],
      [3_000, { key: 'a', ts: 3_000, domain: 'processing-time', count: 22 }],
    ]);
    // a@3000 was registered again by a@2000 before it fired: that was a no-op, so it is gone too.
    expect(await pendingTimers(ctx.backend)).toEqual(['a@4000', 'b@2000', 'c@3000']);
    // Nothing expired at the end (counts above, and what is stored: values, expiries, timers); a later run continues.
    expect(await countEntries(ctx.backend)).toBe(3 + 3 + 3);
    clock.now = 2_000; // the counts (written at 0, TTL 100) expire now
    fired.length = 0;
    await op.onProcessingTime(2_000, out);
    expect(fired.map((r) => r.value)).toEqual([{ key: 'b', ts: 2_000, domain: 'processing-time', count: 1 }]);
  });

  it('fires pending event-time timers once when the watermark goes to +∞, so one that re-registers itself cannot loop', async () => {
    const { ctx } = operatorContext({ tables: [1, 2, 3, 4] });
    const fired: StreamRecord[] = [];
    const op = processOperator(ctx, {
      state: {},
      processElement(at: number, c) {
        c.timers.registerEventTimeTimer(at);
      },
      onTimer(ts, domain, c, emit) {
        emit({ key: c.key, ts, domain });
        // Re-registers itself for ever: the test would hang if these fired too (bounded to fail instead).
        if (fired.length < 20) c.timers.registerEventTimeTimer(ts + 1_000);
      },
    });
    const out = { emit: (r: StreamRecord) => fired.push(r) };
    await op.processBatch([{ value: 5_000, timestamp: 0, key: 'a', keyGroup: 0 }, { value: 1_000, timestamp: 0, key: 'b', keyGroup: 0 }], out);
    await op.onWatermark(2_000, out);
    // A finite watermark fires what comes due, the timers firing registers included (b at 1000, then 2000).
    expect(fired.map((r) => r.value)).toEqual([{ key: 'b', ts: 1_000, domain: 'event-time' }, { key: 'b', ts: 2_000, domain: 'event-time' }]);
    fired.length = 0;
    await op.onWatermark(Infinity, out);
    expect(fired.map((r) => r.value)).toEqual([{ key: 'b', ts: 3_000, domain: 'event-time' }, { key: 'a', ts: 5_000, domain: 'event-time' }]);
  });
});
