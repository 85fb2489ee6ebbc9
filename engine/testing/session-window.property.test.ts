/**
 * Property test: session windows (operators/session-window.ts, run by the job API through the
 * harness) against an independent, naive reference (reference/session-window-reference.ts), on random
 * streams with random gaps and lateness, with snapshot/restore at random points into harnesses of
 * random parallelism and maxParallelism, for both state backends. Results and late records are
 * compared as multisets per step: what fired (or went late) at which watermark or batch.
 */
import { describe, expect, it } from 'vitest';
import { aggregates, count, sum } from '../aggregate/aggregate-function.js';
import type { WindowResult } from '../api/functions.js';
import { JobBuilder, type BuiltJob } from '../api/job-builder.js';
import { session } from '../windows/window-spec.js';
import { OperatorHarness, type BackendKind, type HarnessSnapshot } from './operator-harness.js';
import { mulberry32 } from './reference/random-streams.js';
import { referenceSessions, type SessionConfig, type SessionRecord, type SessionStep } from './reference/session-window-reference.js';

// By default fewer RocksDB cases: each harness opens a database per task, at every restore too.
const CASES = { memory: Number(process.env.EDDY_PROPERTY_CASES ?? 800), rocksdb: Number(process.env.EDDY_PROPERTY_CASES ?? 50) };
const BASE_SEED = Number(process.env.EDDY_PROPERTY_SEED ?? 20261122);

function jobFor(config: SessionConfig, maxParallelism: number): BuiltJob {
  const b = new JobBuilder('session-property', maxParallelism);
  const windowed = b
    .source<SessionRecord>('in', { topic: 'in', serde: { decode: () => ({ ok: false, reason: 'decode', detail: 'unused' }), encode: () => Buffer.alloc(0) }, timestamp: (r) => r.ts })
    .keyBy('by-key', (r) => r.key)
    .window(session(config.gap), { allowedLatenessMs: config.allowedLateness })
    .aggregate('stats', aggregates({ count: count<SessionRecord>(), sum: sum((r: SessionRecord) => r.value) }));
  windowed.sink('out', { topic: 'out', encode: (v) => ({ key: v.key, value: JSON.stringify(v) }) });
  windowed.late().sink('late', { topic: 'late', encode: (v) => ({ key: v.key, value: JSON.stringify(v) }) });
  return b.build();
}

/**
 * A random stream: keys with skew, records out of order within a jitter, a few far behind, some
 * exactly one gap from the key's previous record (Flink's rule merges those), watermarks that lag,
 * stall or jump ahead (records after a jump are mostly late).
 */
function randomCase(seed: number): { config: SessionConfig; steps: SessionStep[] } {
  const r = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const gap = pick([1, 2, 5, 10, 20, 50]);
  const allowedLateness = r() < 0.6 ? 0 : int(1, 2 * gap);
  const keyCount = int(1, 12);
  const skewed = r() < 0.5;
  const key = (): string => `k${skewed ? Math.floor(keyCount * r() * r()) : int(0, keyCount - 1)}`;
  const spread = pick([1, gap, 3 * gap]);
  const jitter = int(0, 3 * gap);
  const previous = new Map<string, number>();
  const steps: SessionStep[] = [];
  let maxTs = int(0, 200);
  let watermark = -1;
  let remaining = int(0, 200);
  while (remaining > 0) {
    const records: SessionRecord[] = [];
    for (let n = Math.min(remaining, int(1, 15)); n > 0; n -= 1, remaining -= 1) {
      maxTs += int(0, spread);
      const k = key();
      const last = previous.get(k);
      let ts: number;
      if (last !== undefined && r() < 0.15) ts = Math.max(0, last + pick([gap, -gap, gap + 1]));
      else ts = Math.max(0, maxTs - (r() < 0.05 ? int(2 * gap, 10 * gap + 50) : int(0, jitter)));
      previous.set(k, ts);
      records.push({ key: k, ts, value: int(0, 9) });
    }
    steps.push({ kind: 'records', records });
    const roll = r();
    if (roll < 0.6) {
      watermark = Math.max(watermark, maxTs - int(0, jitter + gap));
      steps.push({ kind: 'watermark', ts: watermark });
    } else if (roll < 0.65) {
      watermark = maxTs + int(0, 5 * gap);
      steps.push({ kind: 'watermark', ts: watermark });
    }
  }
  return { config: { gap, allowedLateness }, steps };
}

/** Its own stream of choices (parallelism, snapshots), so the case itself does not depend on them. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) % n);
}

const resultId = (step: number, key: string, start: number, end: number, count: number, sum: number): string => `${step}|${key}|${start}|${end}|${count}|${sum}`;
const lateId = (step: number, r: SessionRecord): string => `${step}|${r.key}|${r.ts}|${r.value}`;

async function run(seed: number, backend: BackendKind): Promise<{ results: string[]; late: string[]; expected: { results: string[]; late: string[] } }> {
  const { config, steps } = randomCase(seed);
  const pick = rng(seed ^ 0x5e55);
  const job = jobFor(config, [4, 16, 128][pick(3)]!);
  let h = await OperatorHarness.create(job, { parallelism: 1 + pick(4), backend });
  let seen = { out: 0, late: 0 };
  const results: string[] = [];
  const late: string[] = [];
  // The harness's outputs grow; what is new after a step is what that step made.
  const drain = (step: number): void => {
    const out = h.output<WindowResult<{ count: number; sum: number }>>('out');
    for (const w of out.slice(seen.out)) results.push(resultId(step, w.key, w.windowStart, w.windowEnd, w.value.count, w.value.sum));
    const lates = h.output<SessionRecord>('late');
    for (const l of lates.slice(seen.late)) late.push(lateId(step, l));
    seen = { out: out.length, late: lates.length };
  };
  try {
    for (const [i, step] of steps.entries()) {
      if (step.kind === 'records') await h.push('in', step.records);
      else await h.watermark(step.ts);
      drain(i);
      if (pick(4) === 0) await h.flush();
      if (pick(8) === 0) {
        const snap = JSON.parse(JSON.stringify(await h.snapshot())) as HarnessSnapshot;
        await h.close();
        h = await OperatorHarness.restore(job, snap, { parallelism: 1 + pick(4), backend });
        seen = { out: 0, late: 0 };
      }
    }
    await h.watermark(Infinity);
    drain(steps.length);
    // Every session fired: nothing may stay behind in the state.
    expect((await h.snapshot()).entries, `seed ${seed}: state left after the last session`).toEqual([]);
  } finally {
    await h.close();
  }
  const reference = referenceSessions(steps, config);
  return {
    results: results.sort(),
    late: late.sort(),
    expected: {
      results: reference.results.map((w) => resultId(w.step, w.key, w.windowStart, w.windowEnd, w.count, w.sum)).sort(),
      late: reference.late.map((l) => lateId(l.step, l)).sort(),
    },
  };
}

describe.each(['memory', 'rocksdb'] as const)('session windows match the reference (%s state)', (backend) => {
  const cases = CASES[backend];
  it(`on ${cases} random streams (seed ${BASE_SEED}; EDDY_PROPERTY_SEED / EDDY_PROPERTY_CASES to change)`, async () => {
    let merged = 0;
    let withLate = 0;
    for (let i = 0; i < cases; i += 1) {
      const seed = BASE_SEED + i;
      const { results, late, expected } = await run(seed, backend);
      expect(results, `seed ${seed}: results differ`).toEqual(expected.results);
      expect(late, `seed ${seed}: late records differ`).toEqual(expected.late);
      if (expected.results.some((id) => Number(id.split('|')[4]) > 1)) merged += 1;
      if (expected.late.length > 0) withLate += 1;
    }
    // The cases exercise what they are for: sessions of several records, and late records.
    expect(merged).toBeGreaterThan(cases / 2);
    expect(withLate).toBeGreaterThan(cases / 10);
  }, 600_000);
});
