import { describe, expect, it } from 'vitest';
import { JobBuilder, type BuiltJob } from '../api/job-builder.js';
import { listState, mapState, reducingState, valueState } from '../api/process-function.js';
import { OperatorHarness } from '../testing/operator-harness.js';

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
