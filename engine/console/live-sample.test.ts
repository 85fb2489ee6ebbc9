import { describe, expect, it } from 'vitest';
import type { MemberMetricsJson } from '../metrics/runner-metrics.js';
import { sampleOf } from './live-sample.js';

const metric = (name: string, values: [Record<string, string>, number][]): MemberMetricsJson[number] =>
  ({ name, help: '', type: 'gauge', aggregator: 'sum', values: values.map(([labels, value]) => ({ labels: { job_name: 'j', ...labels }, value })) }) as unknown as MemberMetricsJson[number];

describe('sampleOf', () => {
  it('sums two members into per-partition lag, watermark and records, and the totals', () => {
    const a: MemberMetricsJson = [
      metric('eddy_consumer_lag_records', [[{ partition: 'in:10' }, 5], [{ partition: 'in:2' }, 7]]),
      metric('eddy_source_records_total', [[{ partition: 'in:10' }, 100], [{ partition: 'in:2' }, 50]]),
      metric('eddy_watermark_seconds', [[{ partition: 'in:10' }, 1_700_000_000.5]]),
      metric('eddy_records_out_total', [[{ operator: 'to-out' }, 3], [{ operator: 'window' }, 99]]),
      metric('eddy_dead_letter_records_total', [[{ reason: 'schema' }, 2], [{ reason: 'decode' }, 0]]),
    ];
    const b: MemberMetricsJson = [
      metric('eddy_consumer_lag_records', [[{ partition: 'merge:0' }, 1]]),
      metric('eddy_records_out_total', [[{ operator: 'to-out' }, 4]]),
      metric('eddy_dead_letter_records_total', [[{ reason: 'schema' }, 1]]),
      metric('eddy_late_records_total', [[{ operator: 'window' }, 6]]),
    ];
    const s = sampleOf([a, b], ['to-out'], 42);
    expect(s).toEqual({
      at: 42,
      recordsIn: 150,
      recordsOut: 7,
      lag: 13,
      deadLetters: { schema: 3, decode: 0 },
      late: { window: 6 },
      partitions: [
        { partition: 'in:2', lag: 7, watermark: null, records: 50 },
        { partition: 'in:10', lag: 5, watermark: 1_700_000_000_500, records: 100 },
        { partition: 'merge:0', lag: 1, watermark: null, records: 0 },
      ],
    });
  });

  it('is all zeros for a runner whose members have not reported yet', () => {
    expect(sampleOf([], ['to-out'], 1)).toEqual({ at: 1, recordsIn: 0, recordsOut: 0, lag: 0, deadLetters: {}, late: {}, partitions: [] });
  });
});
