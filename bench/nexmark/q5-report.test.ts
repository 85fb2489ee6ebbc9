import { describe, expect, it } from 'vitest';
import type { RunMeasure } from '../harness/engine-run.js';
import { q5Markdown, ratiosOf, summarizeQ5, type Q5Results } from './q5-report.js';

const run = (wallSeconds: number, cpuSeconds: number, peakRssMb: number, correct = true): RunMeasure => ({
  wallSeconds, cpuSeconds, peakRssMb, correct, problems: correct ? [] : ['extra {"windowStart":0}'], exitCode: 0, brokerCpuSeconds: NaN,
});

describe('q5 report', () => {
  // 1,000,000 bids; Eddy's CPU 4, 5, 10 s → 250,000, 200,000, 100,000 bids/CPU-s; Flink's 8, 10 s → 125,000, 100,000.
  const eddy = summarizeQ5('eddy', [run(12, 5, 300), run(10, 4, 320), run(20, 10, 310)], 1_000_000);
  const flink = summarizeQ5('flink-sql', [run(30, 8, 900), run(40, 10, 1_000)], 1_000_000);

  it('gives min, median and max per figure', () => {
    expect(eddy).toMatchObject({
      runs: 3, correct: true,
      wallSeconds: { min: 10, median: 12, max: 20 },
      cpuSeconds: { min: 4, median: 5, max: 10 },
      eventsPerCpuSecond: { min: 100_000, median: 200_000, max: 250_000 },
      peakRssMb: { min: 300, median: 310, max: 320 },
    });
    // Two runs: the median is their mean.
    expect(flink.cpuSeconds).toEqual({ min: 8, median: 9, max: 10 });
  });

  it('divides Eddy’s medians by Flink SQL’s, only when both are correct', () => {
    // wall 12 / 35, CPU 5 / 9, bids/CPU-s 200,000 / 112,500, RSS 310 / 950
    expect(ratiosOf([eddy, flink])).toEqual({ wallSeconds: 12 / 35, cpuSeconds: 5 / 9, eventsPerCpuSecond: 200_000 / 112_500, peakRssMb: 310 / 950 });
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
    expect(md).toContain('| eddy | 3 | yes | 12.0 (10.0–20.0) | 5.0 (4.0–10.0) | 200,000 (100,000–250,000) | 310 (300–320) |');
    expect(md).toContain('| flink-sql | 2 | yes | 35.0 (30.0–40.0) | 9.0 (8.0–10.0) | 112,500 (100,000–125,000) | 950 (900–1,000) |');
    expect(md).toContain('Eddy ÷ Flink SQL, medians: wall 0.34×, CPU 0.56×, bids per CPU-s 1.78×, peak RSS 0.33×.');
    expect(q5Markdown({ ...results, ratios: undefined, skipped: { 'flink-sql': 'no q5 form' } })).toMatch(/No Eddy ÷ Flink SQL ratio[^]*Not run: flink-sql: no q5 form\./);
  });
});
