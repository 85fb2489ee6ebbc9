import { describe, expect, it } from 'vitest';
import { MemberMetrics } from './member-metrics.js';
import { METRICS } from './metrics-catalog.js';
import { RunnerMetrics } from './runner-metrics.js';
import type { TrendingRecord } from '../../jobs/content-popularity/trending-record.js';
import { mulberry32 } from '../testing/reference/random-streams.js';
import { LatestByKey, type ViewRanking } from '../views/latest-view.js';

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

  it('exports the crash-looping members from the start, at 0', async () => {
    const r = new RunnerMetrics('j');
    expect(samples((await r.render([])).body, 'eddy_crash_looping_members')).toEqual(['eddy_crash_looping_members{job="j"} 0']);
    r.crashLooping(2);
    expect(samples((await r.render([])).body, 'eddy_crash_looping_members')).toEqual(['eddy_crash_looping_members{job="j"} 2']);
  });

  it('replaces a ranking: series of content that left it disappear', async () => {
    const r = new RunnerMetrics('j');
    const nothingLeftOut = { evicted: [], records: 0 };
    r.viewUpdated('trending', [{ group: 'all', entries: [{ rank: 1, id: 'c-1', score: 9 }, { rank: 2, id: 'c-2', score: 4 }] }], nothingLeftOut);
    r.viewUpdated('trending', [{ group: 'movies', entries: [{ rank: 1, id: 'c-9', score: 3 }] }], nothingLeftOut);
    r.viewUpdated('trending', [{ group: 'all', entries: [{ rank: 1, id: 'c-3', score: 12 }] }], nothingLeftOut);
    const { body } = await r.render([]);
    expect(samples(body, 'eddy_trending_views').sort()).toEqual([
      'eddy_trending_views{job="j",category="all",rank="1",content_id="c-3"} 12',
      'eddy_trending_views{job="j",category="movies",rank="1",content_id="c-9"} 3',
    ]);
  });

  it('keeps the trending series within a capped view: a flood of 5,000 categories leaves the newest window\'s 1,000, and counts what the view left out', async () => {
    const r = new RunnerMetrics('j');
    const view = new LatestByKey<TrendingRecord>({ maxKeys: 1_000, keyOf: (t) => t.category, orderOf: (t) => t.windowEnd });
    const ranking = (t: TrendingRecord): ViewRanking => ({ group: t.category, entries: t.rankings.map((e) => ({ rank: e.rank, id: e.contentId, score: e.views })) });
    const rnd = mulberry32(15);
    const categories = Array.from({ length: 5_000 }, (_, i) => `cat-${i}`);
    // What a top-K capped at 1,000 groups sends per window: the overall group and 999 categories,
    // here a different draw from the 5,000 each window.
    const windows = [1, 2, 3].map((w) => ['all', ...[...categories].sort(() => rnd() - 0.5).slice(0, 999)].map((category, i) => ({ windowStart: 0, windowEnd: w * 60_000, category, rankings: [{ rank: 1, contentId: `c-${w}-${i}`, views: 1 + i, watchSeconds: 0 }], emittedAt: 0 })));
    const records = windows.flat();
    let leftOut = 0;
    for (let i = 0; i < records.length; ) {
      // As runner-http.ts hands a view's batches to the metrics.
      const { changed, ...left } = view.update(records.slice(i, (i += 1 + Math.floor(rnd() * 300))));
      r.viewUpdated('trending', changed.map((k) => ranking(view.get(k)!)), left);
      leftOut += left.records;
    }
    const { body } = await r.render([]);
    const newest = windows[2]!;
    const series = samples(body, 'eddy_trending_views');
    expect(series.length).toBe(1_000);
    expect(new Set(series.map((l) => /category="([^"]+)"/.exec(l)![1]))).toEqual(new Set(newest.map((t) => t.category)));
    expect(series).toContain(`eddy_trending_views{job="j",category="all",rank="1",content_id="c-3-0"} 1`);
    // At least every category of a window that is not in the next one was let go.
    const goneAfter = (a: TrendingRecord[], b: TrendingRecord[]): number => a.filter((t) => !b.some((u) => u.category === t.category)).length;
    expect(leftOut).toBeGreaterThanOrEqual(goneAfter(windows[0]!, windows[1]!) + goneAfter(windows[1]!, windows[2]!));
    expect(samples(body, 'eddy_view_records_left_out_total')).toEqual([`eddy_view_records_left_out_total{job="j",view="trending"} ${leftOut}`]);
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
