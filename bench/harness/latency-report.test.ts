import { describe, expect, it } from 'vitest';
import { latencyGoals, latencyMarkdown, type LatencyResults, type LatencyRun } from './latency-report.js';

const run = (engine: string, rate: string, checkpointIntervalMs: number, p99Ms: number, extra: Partial<LatencyRun> = {}): LatencyRun => ({
  engine, rate, checkpointIntervalMs, closes: 120, rankings: 720, p50Ms: p99Ms / 2, p99Ms, maxMs: p99Ms + 10, correct: true, problems: [],
  cpuShareOfOneCore: 0.09, brokerCpuShareOfOneCore: 0.08, peakRssMb: 230, firstRankingSeconds: 12, warmupSeconds: 60, inputLagMs: 100, ...extra,
});

describe('latency report', () => {
  it('judges p99 < 500 ms for Eddy at the default 5 s interval, per rate, and only that', () => {
    const goals = latencyGoals([
      run('eddy', '20000/min', 5_000, 159),
      run('eddy', '20000/s', 5_000, 620),
      run('eddy', '20000/s', 1_000, 100), // not the default interval: not judged
      run('flink-sql', '20000/min', 5_000, 100), // not Eddy
    ]);
    expect(goals).toEqual([
      { goal: 'eddy p99 close → visible < 500 ms at 20000/min', figure: '159 ms', met: true },
      { goal: 'eddy p99 close → visible < 500 ms at 20000/s', figure: '620 ms', met: false },
    ]);
  });

  it('does not meet the goal with wrong output or when the engine fell behind', () => {
    const goals = latencyGoals([
      run('eddy', '20000/min', 5_000, 100, { correct: false, problems: ['missing ranking'] }),
      run('eddy', '20000/s', 5_000, 100, { fellBehind: 'lag grew' }),
    ]);
    expect(goals.map((g) => [g.figure, g.met])).toEqual([['100 ms', false], ['fell behind', false]]);
  });

  it('leaves the runner CPU and RSS goal to the low-rate benchmark, and says so', () => {
    const results: LatencyResults = {
      startedAt: '2026-12-06T04:00:00Z', commit: 'abc1234', command: 'npm run bench:latency', machine: { cpus: 2, cpuModel: 'test' },
      workload: { items: 100_000, zipf: 1.1, partitions: 8, seed: 1, windowMs: 60_000, slideMs: 5_000, top: 10, outOfOrdernessMs: 5_000 },
      warmupMs: 60_000, durationMs: 600_000, runs: [run('eddy', '20000/min', 5_000, 159)],
    };
    const md = latencyMarkdown(results);
    expect(md).toContain('| eddy p99 close → visible < 500 ms at 20000/min | 159 ms | yes |');
    expect(md).not.toMatch(/\| eddy < 3% of one core/);
    expect(md).not.toMatch(/\| eddy < 200 MB/);
    expect(md).toContain('`npm run bench:low-rate`');
    expect(md).toContain('a window closing every 5 s');
  });
});
