import { describe, expect, it } from 'vitest';
import { JobMetricsRegistry } from '../../engine/metrics/job-metrics-registry.js';
import { RunnerMetrics } from '../../engine/metrics/runner-metrics.js';
import { mulberry32 } from '../../engine/testing/reference/random-streams.js';
import { LatestByKey } from '../../engine/views/latest-view.js';
import { TrendingGauge, trendingViews } from './trending-metrics.js';
import type { TrendingRecord } from './trending-record.js';
import { quietLogger } from '../../engine/log/testing/log-capture.js';

const samples = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(`${name}{`));
const record = (category: string, windowEnd: number, rankings: [string, number][]): TrendingRecord => ({
  windowStart: windowEnd - 60_000, windowEnd, category, emittedAt: 0,
  rankings: rankings.map(([contentId, views], i) => ({ rank: i + 1, contentId, views, watchSeconds: 0 })),
});

describe('eddy_trending_views (content-popularity\'s own gauge)', () => {
  it('replaces a category\'s ranking: series of content that left it disappear', async () => {
    const registry = new JobMetricsRegistry('j', [trendingViews], quietLogger);
    const g = new TrendingGauge();
    g.update([record('all', 60_000, [['c-1', 9], ['c-2', 4]])], []);
    g.update([record('movies', 60_000, [['c-9', 3]])], []);
    g.update([record('all', 120_000, [['c-3', 12]])], []);
    const { body } = await new RunnerMetrics('j').render([await registry.collect()]);
    expect(samples(body, 'eddy_trending_views').sort()).toEqual([
      'eddy_trending_views{job_name="j",category="all",rank="1",content_id="c-3"} 12',
      'eddy_trending_views{job_name="j",category="movies",rank="1",content_id="c-9"} 3',
    ]);
  });

  it('keeps within a capped view: a flood of 5,000 categories leaves the newest window\'s 1,000', async () => {
    const registry = new JobMetricsRegistry('j', [trendingViews], quietLogger);
    const g = new TrendingGauge();
    const view = new LatestByKey<TrendingRecord>({ maxKeys: 1_000, keyOf: (t) => t.category, orderOf: (t) => t.windowEnd });
    const rnd = mulberry32(15);
    const categories = Array.from({ length: 5_000 }, (_, i) => `cat-${i}`);
    // What a top-K capped at 1,000 groups sends per window: the overall group and 999 categories,
    // here a different draw from the 5,000 each window.
    const windows = [1, 2, 3].map((w) => ['all', ...[...categories].sort(() => rnd() - 0.5).slice(0, 999)].map((category, i) => record(category, w * 60_000, [[`c-${w}-${i}`, 1 + i]])));
    const records = windows.flat();
    for (let i = 0; i < records.length; ) {
      // As runner-http.ts hands a view's batches to the view's onChange.
      const { changed, evicted } = view.update(records.slice(i, (i += 1 + Math.floor(rnd() * 300))));
      g.update(changed.map((k) => view.get(k)!), evicted);
    }
    const { body } = await new RunnerMetrics('j').render([await registry.collect()]);
    const series = samples(body, 'eddy_trending_views');
    expect(series.length).toBe(1_000);
    expect(new Set(series.map((l) => /category="([^"]+)"/.exec(l)![1]))).toEqual(new Set(windows[2]!.map((t) => t.category)));
    expect(series).toContain('eddy_trending_views{job_name="j",category="all",rank="1",content_id="c-3-0"} 1');
  });

  it('goes nowhere once unbound (another job took the thread)', async () => {
    const registry = new JobMetricsRegistry('j', [trendingViews], quietLogger);
    const g = new TrendingGauge();
    g.update([record('all', 60_000, [['c-1', 9]])], []);
    registry.unbind();
    g.update([record('all', 120_000, [['c-2', 5]])], []);
    const values = (await registry.collect()).find((m) => m.name === 'eddy_trending_views')!.values;
    expect(values.map((v) => v.labels.content_id)).toEqual(['c-1']);
  });
});
