import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { MemberMetrics } from './member-metrics.js';
import { METRICS } from './metrics-catalog.js';
import { RunnerMetrics } from './runner-metrics.js';

const samples = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('RunnerMetrics', () => {
  it('sums the members and keeps one series per partition', async () => {
    const a = new MemberMetrics('j');
    const b = new MemberMetrics('j');
    a.records('window', 'in', 10);
    b.records('window', 'in', 5);
    a.sourceRecords('0', 7);
    b.sourceRecords('1', 8);
    a.checkpoint('0', 'completed', 20, 100);
    b.checkpoint('1', 'failed', 5, 0);
    const { body } = await new RunnerMetrics('j').render([await a.collect(), await b.collect()]);
    expect(samples(body, 'eddy_records_in_total')).toEqual(['eddy_records_in_total{job_name="j",operator="window"} 15']);
    expect(samples(body, 'eddy_source_records_total').sort()).toEqual(['eddy_source_records_total{job_name="j",partition="0"} 7', 'eddy_source_records_total{job_name="j",partition="1"} 8']);
    expect(samples(body, 'eddy_checkpoints_total').sort()).toEqual(['eddy_checkpoints_total{job_name="j",outcome="completed"} 1', 'eddy_checkpoints_total{job_name="j",outcome="failed"} 1']);
    expect(samples(body, 'eddy_checkpoint_duration_seconds_count')).toEqual(['eddy_checkpoint_duration_seconds_count{job_name="j"} 1']);
  });

  it('exports every catalog metric with its declared labels', async () => {
    const m = new MemberMetrics('j');
    const { body } = await new RunnerMetrics('j').render([await m.collect()]);
    for (const spec of METRICS) expect(body, spec.name).toContain(`# TYPE ${spec.name} ${spec.type}`);
  });

  it('exports the crash-looping members from the start, at 0', async () => {
    const r = new RunnerMetrics('j');
    expect(samples((await r.render([])).body, 'eddy_crash_looping_members')).toEqual(['eddy_crash_looping_members{job_name="j"} 0']);
    r.crashLooping(2);
    expect(samples((await r.render([])).body, 'eddy_crash_looping_members')).toEqual(['eddy_crash_looping_members{job_name="j"} 2']);
  });

  it('exports the build info: the version of package.json, the Node.js version, value 1', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { body } = await new RunnerMetrics('j').render([]);
    expect(samples(body, 'eddy_build_info')).toEqual([`eddy_build_info{job_name="j",version="${pkg.version}",node_version="${process.versions.node}"} 1`]);
  });

  it('counts what a view left out, from 0', async () => {
    const r = new RunnerMetrics('j');
    r.viewUpdated('trending', { evicted: [], records: 0 });
    expect(samples((await r.render([])).body, 'eddy_view_records_left_out_total')).toEqual(['eddy_view_records_left_out_total{job_name="j",view="trending"} 0']);
    r.viewUpdated('trending', { evicted: ['a'], records: 3 });
    expect(samples((await r.render([])).body, 'eddy_view_records_left_out_total')).toEqual(['eddy_view_records_left_out_total{job_name="j",view="trending"} 3']);
  });

  it('keeps a thread\'s counters going when a member restarts there, and drops its tasks\' gauges', async () => {
    const m = new MemberMetrics('j');
    m.records('window', 'in', 10);
    m.lag('watch-events:3', 5n);
    m.tasks(2);
    m.restarted().records('window', 'in', 4);
    const { body } = await new RunnerMetrics('j').render([await m.collect()]);
    expect(samples(body, 'eddy_records_in_total')).toEqual(['eddy_records_in_total{job_name="j",operator="window"} 14']);
    expect(body).not.toMatch(/partition="watch-events:3"/);
    expect(samples(body, 'eddy_tasks')).toEqual([]);
  });

  it('times windows from their close to the commit of their task, per operator; a failed commit times nothing', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const m = new MemberMetrics('j');
      const a = m.forTask('s:0');
      const b = m.forTask('s:1');
      a.windowsClosed!('views', 2);
      b.windowsClosed!('views', 1);
      vi.advanceTimersByTime(700);
      m.checkpoint('s:0', 'completed', 10, 0);
      vi.advanceTimersByTime(3_000);
      m.checkpoint('s:1', 'failed', 10, 0);
      m.checkpoint('s:1', 'completed', 10, 0);
      const { body } = await new RunnerMetrics('j').render([await m.collect()]);
      const bucket = (le: string) => samples(body, 'eddy_window_output_latency_seconds_bucket').find((l) => l.includes(`le="${le}"`));
      expect(bucket('0.5')).toBe('eddy_window_output_latency_seconds_bucket{le="0.5",job_name="j",operator="views"} 0');
      expect(bucket('1')).toBe('eddy_window_output_latency_seconds_bucket{le="1",job_name="j",operator="views"} 2');
      expect(samples(body, 'eddy_window_output_latency_seconds_count')).toEqual(['eddy_window_output_latency_seconds_count{job_name="j",operator="views"} 2']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets the series of a partition that moved away', async () => {
    const m = new MemberMetrics('j');
    m.watermark('3', 1_000);
    m.lag('3', 5n);
    m.forget('3');
    const { body } = await new RunnerMetrics('j').render([await m.collect()]);
    expect(body).not.toMatch(/partition="3"/);
  });
});
