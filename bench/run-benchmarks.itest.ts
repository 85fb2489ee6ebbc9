import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runLatencyBench } from './latency.js';
import { runLowRateBench } from './low-rate.js';
import { runBenchmarks } from './run-benchmarks.js';

// Tiny runs of the harnesses (Eddy and the ceiling only) so they cannot rot; they assert what the runs
// produced and that the output checkers accepted it, never how fast.
describe('benchmark harness (smoke)', () => {
  it('runs Eddy (over a prefix of the input) and the ceiling over a small workload, verifies the output, measures the broker and writes a results folder', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eddy-bench-smoke-'));
    const lines: string[] = [];
    const r = (await runBenchmarks(['--brokers', inject('kafkaBrokers'), '--events', '3000', '--items', '300', '--repetitions', '2', '--engines', 'eddy', '--events-for', 'eddy=2000', '--out', out,
      '--window', '10s', '--slide', '5s', '--out-of-orderness', '1s'], (l) => lines.push(l)))!;
    expect(r.summary.map((s) => s.engine)).toEqual(['ceiling', 'eddy']);
    // Eddy's output is checked against the reference of the first 2,000 events; the ceiling reads all 3,000.
    expect(r.summary[1], lines.join('\n')).toMatchObject({ engine: 'eddy', events: 2000, correct: true, runs: 2 });
    expect(r.summary[0], lines.join('\n')).toMatchObject({ engine: 'ceiling', events: 3000, correct: true, runs: 2 });
    expect(r.summary[1]!.cpuSeconds.min).toBeGreaterThan(0);
    expect(r.emptyRuns).toHaveLength(1);
    expect(r.emptyRuns[0], lines.join('\n')).toMatchObject({ engine: 'eddy', correct: true });
    // The suite's broker may be another machine's; when it is the local one its CPU is measured.
    if (r.brokerCpuNote === undefined) expect(r.summary[1]!.brokerCpuSeconds.median).toBeGreaterThan(0);
    const [dir] = readdirSync(out);
    expect(dir).toMatch(/^throughput-\d{4}-\d\d-\d\d-[0-9a-f]{7,}/);
    expect(JSON.parse(readFileSync(join(out, dir!, 'results.json'), 'utf8')).workload.events).toBe(3000);
    expect(readFileSync(join(out, dir!, 'results.md'), 'utf8')).toMatch(/\| eddy \| yes \|/);
    expect(existsSync(join(out, dir!, 'chart.svg'))).toBe(true);
  });

  it('measures latency with the output checked', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eddy-bench-latency-smoke-'));
    const lines: string[] = [];
    const r = (await runLatencyBench(['--brokers', inject('kafkaBrokers'), '--engines', 'eddy', '--rates', '500/s', '--intervals', '1s', '--items', '300',
      '--window', '4s', '--slide', '1s', '--warmup', '8s', '--duration', '15s', '--grace', '8s', '--out', out], (l) => lines.push(l)))!;
    expect(r.runs).toHaveLength(1);
    const run = r.runs[0]!;
    expect(run, lines.join('\n')).toMatchObject({ engine: 'eddy', correct: true });
    expect(run.fellBehind, lines.join('\n')).toBeUndefined();
    // 15 s measured with a window closing every second; six rankings (five categories and "all") per close.
    expect(run.closes).toBeGreaterThanOrEqual(12);
    expect(run.rankings).toBeGreaterThanOrEqual(run.closes * 5);
    expect(run.p99Ms).toBeGreaterThan(0);
    expect(readdirSync(out)[0]).toMatch(/^latency-/);
  });

  it('measures a runner at a low rate: CPU, peak RSS, and that it kept up', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eddy-bench-low-rate-smoke-'));
    const lines: string[] = [];
    const r = (await runLowRateBench(['--brokers', inject('kafkaBrokers'), '--rate', '200/s', '--items', '300', '--repetitions', '1', '--warmup', '12s', '--measure', '5s', '--out', out], (l) => lines.push(l)))!;
    expect(r.runs).toHaveLength(1);
    expect(r.runs[0]!.keptUp, lines.join('\n')).toBe(true);
    expect(r.runs[0]!.cpuPercent).toBeGreaterThan(0);
    expect(r.runs[0]!.peakRssMb).toBeGreaterThan(30);
    expect(readdirSync(out)[0]).toMatch(/^low-rate-/);
  });
});
