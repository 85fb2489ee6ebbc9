import { describe, expect, it } from 'vitest';
import type { RunMeasure } from './engine-run.js';
import { markdown, summarize, svgChart, type BenchResults } from './report.js';

const workload = { events: 1_000, items: 10, zipf: 1.1, partitions: 2, seed: 1, windowMs: 600_000, slideMs: 60_000, top: 10, outOfOrdernessMs: 30_000 };
const run = (cpuSeconds: number, correct = true): RunMeasure => ({ exitCode: 0, correct, wallSeconds: 2, cpuSeconds, peakRssMb: 100, problems: correct ? [] : ['window 0 differs'] });

function results(): BenchResults {
  const eddy = summarize('eddy', [run(0.5), run(0.25), run(1)], 1_000);
  const slow = summarize('slow', [run(2), run(4, false)], 1_000);
  return {
    startedAt: '2026-11-23T00:00:00Z', command: 'npm run bench', machine: { cpus: 2, cpuModel: 'x' }, workload,
    runs: [], summary: [eddy, slow], ratios: {},
    latency: [
      { engine: 'eddy', rate: '20000/s', rankings: 12, p50Ms: 80, p99Ms: 120.4, cpuShareOfOneCore: 0.25, peakRssMb: 200 },
      { engine: 'slow', rate: '20000/s', rankings: 0, p50Ms: NaN, p99Ms: NaN, cpuShareOfOneCore: 0.98, peakRssMb: 900 },
    ],
  };
}

describe('benchmark report', () => {
  it('summarizes runs by their median, and counts an engine correct only if every run was', () => {
    const [eddy, slow] = results().summary;
    expect(eddy).toMatchObject({ cpuSeconds: 0.5, eventsPerCpuSecond: 2_000, correct: true });
    expect(slow).toMatchObject({ cpuSeconds: 3, correct: false, problems: ['window 0 differs'] });
  });

  it('says an engine fell behind when no ranking became visible, instead of printing NaN', () => {
    const md = markdown(results());
    expect(md).toContain('| eddy | 20000/s | 12 | 80 | 120 | 25.0% | 200 |');
    expect(md).toContain('| slow | 20000/s | 0 | – (fell behind) | – | 98.0% | 900 |');
    expect(md).not.toContain('NaN');
    expect(md).toMatch(/\| slow \| \*\*no\*\*: window 0 differs \|/);
  });

  it('charts throughput of correct engines and p99 latency of every latency run', () => {
    const svg = svgChart(results());
    expect(svg).toContain('>2,000<');
    expect(svg).not.toMatch(/>slow</);
    expect(svg).toContain('>eddy @ 20000/s<');
    expect(svg).toContain('>120<');
    expect(svg).toContain('fell behind: no ranking in the run');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
