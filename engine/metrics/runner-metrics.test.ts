import { describe, expect, it } from 'vitest';
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
    expect(samples(body, 'eddy_records_in_total')).toEqual(['eddy_records_in_total{job="j",operator="window"} 15']);
    expect(samples(body, 'eddy_source_records_total').sort()).toEqual(['eddy_source_records_total{job="j",partition="0"} 7', 'eddy_source_records_total{job="j",partition="1"} 8']);
    expect(samples(body, 'eddy_checkpoints_total').sort()).toEqual(['eddy_checkpoints_total{job="j",outcome="completed"} 1', 'eddy_checkpoints_total{job="j",outcome="failed"} 1']);
    expect(samples(body, 'eddy_checkpoint_duration_seconds_count')).toEqual(['eddy_checkpoint_duration_seconds_count{job="j"} 1']);
  });

  it('exports every catalog metric with its declared labels', async () => {
    const m = new MemberMetrics('j');
    const { body } = await new RunnerMetrics('j').render([await m.collect()]);
    for (const spec of METRICS) expect(body, spec.name).toContain(`# TYPE ${spec.name} ${spec.type}`);
  });

  it('replaces a ranking: series of content that left it disappear', async () => {
    const r = new RunnerMetrics('j');
    r.rankings([{ group: 'all', entries: [{ rank: 1, id: 'c-1', score: 9 }, { rank: 2, id: 'c-2', score: 4 }] }]);
    r.rankings([{ group: 'movies', entries: [{ rank: 1, id: 'c-9', score: 3 }] }]);
    r.rankings([{ group: 'all', entries: [{ rank: 1, id: 'c-3', score: 12 }] }]);
    const { body } = await r.render([]);
    expect(samples(body, 'eddy_trending_views').sort()).toEqual([
      'eddy_trending_views{job="j",category="all",rank="1",content_id="c-3"} 12',
      'eddy_trending_views{job="j",category="movies",rank="1",content_id="c-9"} 3',
    ]);
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
