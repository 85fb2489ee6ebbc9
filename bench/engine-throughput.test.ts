import { describe, expect, it } from 'vitest';
import { benchEvents, runEngineBench } from './engine-throughput.js';

// A smoke run so the benchmark cannot rot; it asserts what the run produced, never how fast.
describe('engine micro-benchmark (smoke)', () => {
  it.each(['memory', 'rocksdb'] as const)('runs end to end with %s state', async (backend) => {
    const events = benchEvents(3_000, 200);
    const r = await runEngineBench(events, backend, 500);
    expect(r.events).toBe(3_000);
    expect(r.results).toBeGreaterThan(0);
  });

  it.each(['memory', 'rocksdb'] as const)('gives the same rankings with a restore halfway, with %s state', async (backend) => {
    const events = benchEvents(3_000, 200);
    const plain = await runEngineBench(events, backend, 500);
    const restored = await runEngineBench(events, backend, 500, 1_500);
    expect(restored.results).toBe(plain.results);
  });
});
