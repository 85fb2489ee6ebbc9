import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runBenchmarks } from './run-benchmarks.js';

// A tiny run of the side-by-side harness (Eddy only) so it cannot rot; it asserts what the run
// produced and that the output checker accepted it, never how fast.
describe('benchmark harness (smoke)', () => {
  it('runs Eddy over a small workload, verifies its output, measures latency and writes the results', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eddy-bench-smoke-'));
    const lines: string[] = [];
    const r = (await runBenchmarks(['--brokers', inject('kafkaBrokers'), '--events', '3000', '--items', '300', '--repetitions', '1', '--engines', 'eddy', '--out', out,
      '--window', '10s', '--slide', '5s', '--out-of-orderness', '1s', '--latency-rates', '500/s', '--latency-duration', '20s', '--latency-warmup', '5s'], (l) => lines.push(l)))!;
    expect(r.summary).toHaveLength(1);
    expect(r.summary[0], lines.join('\n')).toMatchObject({ engine: 'eddy', correct: true, runs: 1 });
    expect(r.summary[0]!.cpuSeconds).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')).workload.events).toBe(3000);
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toMatch(/\| eddy \| yes \|/);
    expect(existsSync(join(out, 'latest.svg'))).toBe(true);
    // 20 s of 5 s windows at 500 events/s: rankings arrive and their delays are measured.
    expect(r.latency).toHaveLength(1);
    expect(r.latency[0]!.rankings).toBeGreaterThan(0);
    expect(r.latency[0]!.p99Ms).toBeGreaterThan(0);
  });
});
