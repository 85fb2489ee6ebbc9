import { describe, expect, it } from 'vitest';
import type { RunMeasure } from '../harness/engine-run.js';
import { q5Markdown, ratiosOf, summarizeQ5, type Q5Results } from './q5-report.js';

const run = (wallSeconds: number, cpuSeconds: number, peakRssMb: number, correct = true, brokerCpuSeconds = 1): RunMeasure => ({
  wallSeconds, cpuSeconds, peakRssMb, correct, problems: correct ? [] : ['extra {"windowStart":0}'], exitCode: 0, brokerCpuSeconds,
});

describe('q5 report', () => {
  // 1,000,000 bids; Eddy's CPU 4, 5, 10 s → 250,000, 200,000, 100,000 bids/CPU-s; Flink's 8, 10 s → 125,000, 100,000.
  // Broker CPU: Eddy's 1, 3, 1 s → with the engine's 5+1, 4+3, 10+1 s: 166,667, 142,857, 90,909; Flink's 2, 2 s → 100,000, 83,333.
  const eddy = summarizeQ5('eddy', [run(12, 5, 300, true, 1), run(10, 4, 320, true, 3), run(20, 10, 310, true, 1)], 1_000_000, 0.5);
  const flink = summarizeQ5('flink-sql', [run(30, 8, 900, true, 2), run(40, 10, 1_000, true, 2)], 1_000_000, 4.5);

  it('gives min, median and max per figure', () => {
    expect(eddy).toMatchObject({
      runs: 3, correct: true,
      wallSeconds: { min: 10, median: 12, max: 20 },
      cpuSeconds: { min: 4, median: 5, max: 10 },
      eventsPerCpuSecond: { min: 100_000, median: 200_000, max: 250_000 },
      peakRssMb: { min: 300, median: 310, max: 320 },
      brokerCpuSeconds: { min: 1, median: 1, max: 3 },
      eventsPerTotalCpuSecond: { min: 90_909, median: 142_857, max: 166_667 },
      emptyRunCpuSeconds: 0.5,
    });
    // Two runs: the median is their mean.
    expect(flink.cpuSeconds).toEqual({ min: 8, median: 9, max: 10 });
  });

  it('divides Eddy’s medians by Flink SQL’s, only when both are correct', () => {
    // wall 12 / 35, CPU 5 / 9, broker 1 / 2, bids/CPU-s 200,000 / 112,500, with the broker 142,857 / 91,667 (mean of 100,000 and 83,333), RSS 310 / 950
    expect(ratiosOf([eddy, flink])).toEqual({
      wallSeconds: 12 / 35, cpuSeconds: 5 / 9, brokerCpuSeconds: 1 / 2, eventsPerCpuSecond: 200_000 / 112_500, eventsPerTotalCpuSecond: 142_857 / ((100_000 + 83_333) / 2), peakRssMb: 310 / 950,
    });
    const wrong = summarizeQ5('flink-sql', [run(30, 8, 900), run(40, 10, 1_000, false)], 1_000_000);
    expect(wrong.correct).toBe(false);
    expect(ratiosOf([eddy, wrong])).toBeUndefined();
    expect(ratiosOf([eddy])).toBeUndefined();
  });

  it('writes one Markdown row per engine, "median (min–max)", and the ratios', () => {
    const results: Q5Results = {
      startedAt: '2026-12-05T01:00:00.000Z', command: 'npm run bench:nexmark', commit: 'abc1234', machine: { cpus: 2, cpuModel: 'Test CPU' },
      workload: { bids: 1_000_000, partitions: 8, seed: 1, windowMs: 10_000, slideMs: 2_000, outOfOrdernessMs: 4_000, windows: 60, expectedRows: 63 },
      skipped: {}, runs: [], summary: [eddy, flink], ratios: ratiosOf([eddy, flink])!,
    };
    const md = q5Markdown(results);
    // Empty runs: Eddy 0.5 of its median 5 CPU-s = 10%; Flink 4.5 of 9 = 50%.
    expect(md).toContain('| eddy | 3 | yes | 12.0 (10.0–20.0) | 5.0 (4.0–10.0) | 1.0 (1.0–3.0) | 200,000 (100,000–250,000) | 142,857 (90,909–166,667) | 310 (300–320) | 0.5 (10.0%) |');
    expect(md).toContain('| flink-sql | 2 | yes | 35.0 (30.0–40.0) | 9.0 (8.0–10.0) | 2.0 (2.0–2.0) | 112,500 (100,000–125,000) | 91,667 (83,333–100,000) | 950 (900–1,000) | 4.5 (50.0%) |');
    expect(md).toContain('Eddy ÷ Flink SQL, medians: wall 0.34×, CPU 0.56×, bids per engine CPU-s 1.78×, bids per engine + broker CPU-s 1.56×, peak RSS 0.33×.');
    expect(q5Markdown({ ...results, ratios: undefined, skipped: { 'flink-sql': 'no q5 form' } })).toMatch(/No Eddy ÷ Flink SQL ratio[^]*Not run: flink-sql: no q5 form\./);
  });
});
