import { describe, expect, it } from 'vitest';
import type { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { JobGraph } from '../graph/job-graph.js';
import type { MemberMetricsJson } from '../metrics/runner-metrics.js';
import { BoundedProgress, progressLine, recordsToEnd, sourceRecordsRead } from './bounded-progress.js';

// Two sources (stages `a` and `b`) and an exchange stage `k` whose reads are not input records.
const graph = { job: 'j', nodes: [
  { id: 'a', kind: 'source', inputs: [], config: { topic: 'in-a' } },
  { id: 'b', kind: 'source', inputs: [], config: { topic: 'in-b' } },
  { id: 'k', kind: 'keyBy', inputs: [{ node: 'a', port: 'main' }], config: {} },
] } as unknown as JobGraph;

describe('bounded progress', () => {
  it('says how far the run is', () => {
    expect(progressLine(2_500, 10_000, 4_400)).toBe('read 2,500 of 10,000 input records (25%) to the end offsets found at start, 4 s');
    expect(progressLine(0, 0, 0)).toBe('read 0 of 0 input records to the end offsets found at start, 0 s');
  });

  it('counts the source stages’ records only', () => {
    const metric = (partition: string, value: number) => ({ labels: { job: 'j', partition }, value });
    const members = [
      [{ name: 'eddy_source_records_total', values: [metric('a:0', 5), metric('a:1', 7), metric('k:0', 100)] }],
      [{ name: 'eddy_source_records_total', values: [metric('b:0', 3)] }, { name: 'eddy_records_in_total', values: [metric('a:0', 50)] }],
    ] as unknown as MemberMetricsJson[];
    expect(sourceRecordsRead(members, graph)).toBe(15);
  });

  it('counts what lies between where the group resumes and the end offsets', async () => {
    const offsets: Record<string, { partition: number; low: bigint; high: bigint }[]> = {
      'in-a': [{ partition: 0, low: 0n, high: 100n }, { partition: 1, low: 10n, high: 50n }],
      'in-b': [{ partition: 0, low: 0n, high: 30n }],
    };
    const committed: Record<string, Map<number, bigint>> = { 'in-a': new Map([[0, 60n], [1, -1n]]), 'in-b': new Map([[0, 30n]]) };
    const admin = { offsets: async (t: string) => offsets[t], committedOffsets: async (_g: string, t: string) => committed[t] } as unknown as KafkaAdmin;
    // a:0 resumes at 60 (40 left), a:1 has nothing committed (from its first offset 10: 40), b:0 is done.
    expect(await recordsToEnd(admin, graph, 'g')).toBe(80);
  });

  it('redraws one line, keeps log lines above it, and stops', async () => {
    let written = '';
    let read = 0;
    const progress = new BoundedProgress({ total: Promise.resolve(200), read: async () => (read += 50), write: (t) => (written += t), intervalMs: 5 });
    await new Promise((r) => setTimeout(r, 30));
    progress.log('a log line');
    progress.stop();
    const after = written;
    await new Promise((r) => setTimeout(r, 20));
    expect(written).toBe(after); // nothing after stop
    expect(written).toMatch(/^\rread 50 of 200 input records \(25%\)/);
    expect(written).toContain('\r\x1b[Ka log line\nread '); // the line cleared, the log line, the progress again
    expect(written.endsWith('\n')).toBe(true);
  });
});
