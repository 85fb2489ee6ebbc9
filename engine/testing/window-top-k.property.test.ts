/**
 * Property test: the engine's windows, lateness and two-phase top-K against an independent, naive
 * reference (reference/window-top-k-reference.ts), on random streams, with snapshot/restore at random
 * points into harnesses of random parallelism, for both state backends, with the window slices'
 * heap cache off, tiny (slices spill to the backend at flushes) or large.
 */
import { describe, expect, it } from 'vitest';
import { aggregates, count, sum } from '../aggregate/aggregate-function.js';
import type { TopKResult } from '../api/functions.js';
import { JobBuilder, type BuiltJob } from '../api/job-builder.js';
import { sliding, tumbling } from '../windows/window-spec.js';
import { OperatorHarness, type BackendKind } from './operator-harness.js';
import { groupsFor, randomCase } from './reference/random-streams.js';
import { referenceWindowTopK, type RefConfig, type RefRecord, type RefResult } from './reference/window-top-k-reference.js';

const CASES = Number(process.env.EDDY_PROPERTY_CASES ?? 300);
const BASE_SEED = Number(process.env.EDDY_PROPERTY_SEED ?? 20261122);

function jobFor(config: RefConfig, maxParallelism: number): BuiltJob {
  const b = new JobBuilder('property', maxParallelism);
  const spec = config.window.kind === 'tumbling' ? tumbling(config.window.size) : sliding(config.window.size, config.window.slide);
  const windowed = b
    .source<RefRecord>('in', { topic: 'in', serde: { decode: () => ({ ok: false, reason: 'decode', detail: 'unused' }), encode: () => Buffer.alloc(0) }, timestamp: (r) => r.ts })
    .keyBy('by-key', (r) => r.key)
    .window(spec, { allowedLatenessMs: config.allowedLateness })
    .aggregate('stats', aggregates({ count: count<RefRecord>(), sum: sum((r: RefRecord) => r.value) }));
  windowed
    .topK('top', { k: config.k, score: (v) => v.count, groups: (r) => config.groupsOf(r.key) })
    .sink('out', { topic: 'out', encode: (v) => ({ key: v.group, value: JSON.stringify(v) }) });
  windowed.late().sink('late', { topic: 'late', encode: (v) => ({ key: v.key, value: JSON.stringify(v) }) });
  return b.build();
}

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) % n);
}

async function runEngine(seed: number, backend: BackendKind): Promise<{ results: RefResult[]; late: RefRecord[]; expected: ReturnType<typeof referenceWindowTopK> }> {
  const { config: c, steps } = randomCase(seed);
  const config: RefConfig = { window: c.window, allowedLateness: c.allowedLateness, k: c.k, groupsOf: groupsFor(c.groupCount) };
  const pick = rng(seed ^ 0x5eed);
  const job = jobFor(config, [4, 16, 128][pick(3)]!);
  const cacheEntries = [0, 1 + pick(8), 100_000][pick(3)]!;
  let h = await OperatorHarness.create(job, { parallelism: 1 + pick(4), backend, cacheEntries });
  const results: RefResult[] = [];
  const late: RefRecord[] = [];
  const drain = (): void => {
    for (const r of h.output<TopKResult<{ count: number; sum: number }>>('out')) {
      results.push({ windowStart: r.windowStart, windowEnd: r.windowEnd, group: r.group, entries: r.entries.map((e) => ({ key: e.key, count: e.value.count, sum: e.value.sum })) });
    }
    late.push(...h.output<RefRecord>('late'));
  };
  try {
    for (const step of steps) {
      if (step.kind === 'records') await h.push('in', step.records);
      else await h.watermark(step.ts);
      if (pick(4) === 0) await h.flush();
      if (pick(8) === 0) {
        drain();
        const snap = JSON.parse(JSON.stringify(await h.snapshot())) as Awaited<ReturnType<OperatorHarness['snapshot']>>;
        await h.close();
        h = await OperatorHarness.restore(job, snap, { parallelism: 1 + pick(4), backend, cacheEntries });
      }
    }
    await h.watermark(Infinity);
    drain();
    // Every window fired, so every slice expired: nothing may stay behind in the state.
    const left = (await h.snapshot()).entries;
    expect(left, `seed ${seed}: state left after the last window`).toEqual([]);
  } finally {
    await h.close();
  }
  return { results, late, expected: referenceWindowTopK(steps, config) };
}

describe.each(['memory', 'rocksdb'] as const)('windows + top-K match the reference (%s state)', (backend) => {
  it(`on ${CASES} random streams (seed ${BASE_SEED}; EDDY_PROPERTY_SEED / EDDY_PROPERTY_CASES to change)`, async () => {
    let nonEmpty = 0;
    for (let i = 0; i < CASES; i += 1) {
      const seed = BASE_SEED + i;
      const { results, late, expected } = await runEngine(seed, backend);
      expect(results, `seed ${seed}: results differ`).toEqual(expected.results);
      // Late records are compared as a multiset: tasks may forward them in a different order.
      const key = (r: RefRecord): string => `${r.key}|${r.ts}|${r.value}`;
      expect(late.map(key).sort(), `seed ${seed}: late records differ`).toEqual(expected.late.map(key).sort());
      if (expected.results.length > 0) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(CASES / 2);
  }, 600_000);
});
