/**
 * The job's display for `eddy demo`: the newest window's top K overall and the top 3 per category,
 * from the job's `trending` view (the committed rankings the demo follows).
 */
import type { DisplayViews } from '../../engine/index.js';
import type { ContentPopularityConfig } from './job.js';
import { ALL_CATEGORIES, type TrendingRecord } from './trending-record.js';
import { TRENDING_VIEW } from './trending-view.js';

const utc = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** The lines of the newest rankings, or what the display waits for. */
export function trendingLines(overall: TrendingRecord | undefined, categories: readonly TrendingRecord[], outOfOrdernessMs: number): string[] {
  if (!overall) return [`waiting for the first window to close (watermark = newest event time − ${outOfOrdernessMs / 1000} s)…`];
  const lines = [`Top ${overall.rankings.length} overall, window ${utc(overall.windowStart)}–${utc(overall.windowEnd)} UTC:`, '  rank  content     views   watch-min'];
  for (const e of overall.rankings) {
    lines.push(`  ${String(e.rank).padStart(4)}  ${e.contentId.padEnd(10)} ${String(e.views).padStart(6)}  ${String(Math.round(e.watchSeconds / 60)).padStart(10)}`);
  }
  lines.push('', 'Per category (top 3):');
  for (const r of categories.filter((x) => x.category !== ALL_CATEGORIES)) {
    lines.push(`  ${r.category.padEnd(8)} ${r.rankings.slice(0, 3).map((e) => `${e.contentId} (${e.views})`).join('  ')}`);
  }
  return lines;
}

/**
 * @example
 * trendingDisplay(options, { latest: () => new Map() }); // ['waiting for the first window to close …']
 */
export function trendingDisplay(o: ContentPopularityConfig, views: DisplayViews): string[] {
  // The view was declared by this job with TrendingRecord's schema: its records are TrendingRecords.
  const latest = views.latest(TRENDING_VIEW) as ReadonlyMap<string, TrendingRecord>;
  return trendingLines(latest.get(ALL_CATEGORIES), [...latest.values()], o.outOfOrderness);
}
