import { describe, expect, it } from 'vitest';
import type { RunMeasure } from './engine-run.js';
import { markdown, summarize, svgChart, throughputGoals, type BenchResults } from './report.js';

const workload = { events: 1_000, items: 10, zipf: 1.1, partitions: 2, seed: 1, windowMs: 600_000, slideMs: 60_000, top: 10, outOfOrdernessMs: 30_000 };
const run = (cpuSeconds: number, correct = true, brokerCpuSeconds = 0.5): RunMeasure => ({ exitCode: 0, correct, wallSeconds: 2, cpuSeconds, brokerCpuSeconds, peakRssMb: 100, problems: correct ? [] : ['window 0 differs'] });

function results(): BenchResults {
  return {
    startedAt: '2026-11-23T00:00:00Z', commit: 'abc1234', command: 'npm run bench', machine: { cpus: 2, cpuModel: 'x' }, workload, emptyRuns: [], runs: [],
    summary: [
      summarize('ceiling', [run(0.1), run(0.2), run(0.15)], 1_000),
      summarize('eddy', [run(0.5), run(0.25, true, 0.75), run(1)], 1_000, 0.1),
      summarize('flink-sql', [run(0.4), run(0.4), run(0.4)], 1_000),
      summarize('flink-naive', [run(2), run(2), run(2)], 1_000),
      summarize('slow', [run(2), run(4, false)], 500),
    ],
  };
}

describe('benchmark report', () => {
  it('summarizes runs as min / median / max, and counts an engine correct only if every run was', () => {
    const [, eddy, , , slow] = results().summary;
    // 1,000 events over 0.25, 0.5 and 1 CPU-s.
    expect(eddy).toMatchObject({ cpuSeconds: { min: 0.25, median: 0.5, max: 1 }, eventsPerCpuSecond: { min: 1_000, median: 2_000, max: 4_000 }, correct: true });
    // Engine + broker: 1.0, 1.0 and 1.5 CPU-s.
    expect(eddy!.eventsPerTotalCpuSecond).toEqual({ min: 1_000 / 1.5, median: 1_000, max: 1_000 });
    expect(eddy!.startupShare).toBeCloseTo(0.2);
    // Over a prefix of 500 events: 500 / 2 and 500 / 4.
    expect(slow).toMatchObject({ events: 500, cpuSeconds: { median: 3 }, eventsPerCpuSecond: { min: 125, max: 250 }, correct: false, problems: ['window 0 differs'] });
  });

  it('compares Eddy with the best correct Flink form and with the ceiling', () => {
    // eddy 2,000 vs flink-sql 2,500 events per CPU-s: 0.8×; with the broker 1,000 vs 1,000/0.9; ceiling 6,667.
    expect(throughputGoals(results().summary)).toEqual([
      { goal: 'eddy ≥ 1.0× flink-sql, engine CPU', figure: '0.80×', met: false },
      { goal: 'eddy ≥ 1.0× flink-sql, engine + broker CPU', figure: '0.90×', met: false },
      { goal: 'eddy ≥ 50% of the ceiling', figure: '30%', met: false },
    ]);
    const md = markdown(results());
    expect(md).toContain('| flink-sql (best Flink) | yes | 2,500 (2,500–2,500) |');
    expect(md).toContain('| 20.0% (≥ 5%) |');
    expect(md).toMatch(/\| slow \| \*\*no\*\*: window 0 differs \|/);
    expect(md).not.toContain('NaN');
    expect(md).toContain('Catch-up at commit abc1234: 1,000 events (slow the first 500), 10 content ids');
  });

  it('lists each empty run with its CPU, and says so when one did not end as expected', () => {
    const r = results();
    r.emptyRuns = [
      { ...run(1.9), engine: 'eddy', repetition: 0 },
      { ...run(10.3, false), problems: ['group g did not commit the end of t'], engine: 'flink-tuned', repetition: 0 },
    ];
    expect(markdown(r)).toContain('eddy 1.9 s, flink-tuned 10.3 s (did not end as expected: group g did not commit the end of t).');
  });

  it('charts the median throughput of correct engines only', () => {
    const svg = svgChart(results());
    expect(svg).toContain('>2,000 (1,000–4,000)<');
    expect(svg).not.toMatch(/>slow</);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
