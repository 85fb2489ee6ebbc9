import { describe, expect, it } from 'vitest';
import { lowRateMarkdown, type LowRateResults, type LowRateRun } from './low-rate.js';

const run = (cpuPercent: number, peakRssMb: number, keptUp = true): LowRateRun => ({ cpuPercent, peakRssMb, lagRecords: keptUp ? 12 : 90_000, keptUp });
const results = (runs: LowRateRun[], median: LowRateResults['median']): LowRateResults => ({
  startedAt: '2026-12-06T00:00:00Z', commit: 'abc1234', command: 'npm run bench:low-rate', machine: { cpus: 2, cpuModel: 'x' },
  settings: { rate: '20000/min', items: 100_000, parallelism: 1, warmupMs: 40_000, measureMs: 60_000 }, runs, median,
});

describe('low-rate report', () => {
  it('judges the goals (< 3% of a core, < 200 MB) by the medians', () => {
    const md = lowRateMarkdown(results([run(5.1, 157), run(5.46, 171), run(2.5, 150)], { cpuPercent: 5.1, peakRssMb: 157 }));
    expect(md).toContain('| 2 | 5.46 | 171 | 12 | yes |');
    expect(md).toContain('Goal < 3% of one core: **not met**; < 200 MB: met.');
    expect(lowRateMarkdown(results([run(2.9, 210)], { cpuPercent: 2.9, peakRssMb: 210 }))).toContain('Goal < 3% of one core: met; < 200 MB: **not met**.');
  });

  it('judges nothing when a run fell behind', () => {
    const md = lowRateMarkdown(results([run(1, 100), run(1, 100, false)], { cpuPercent: 1, peakRssMb: 100 }));
    expect(md).toContain('| 2 | 1.00 | 100 | 90000 | **no** |');
    expect(md).toContain('A run fell behind: no goal is judged.');
    expect(md).not.toContain('Goal');
  });
});
