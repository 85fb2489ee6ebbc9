/**
 * content-popularity's own metric: `eddy_trending_views`, the views of the content at each rank of
 * the newest committed ranking per category. Declared through the public API and fed by the job's
 * trending view in the runner's main thread, so it shows committed rankings only and every runner
 * process of the job exports the same ones (the dashboards take the max across them).
 */
import { gauge, type Labels } from '../../engine/index.js';
import type { TrendingRecord } from './trending-record.js';

/** At most 10 ranks in 1,000 categories under the defaults (--top, --max-groups); more is refused and counted. */
export const trendingViews = gauge({
  name: 'eddy_trending_views',
  help: 'Views of the content at each rank of the newest committed ranking per category.',
  labels: ['category', 'rank', 'content_id'],
  maxSeries: 10_000,
  aggregate: 'max',
});

type Series = Labels<'category' | 'rank' | 'content_id'>;

/**
 * Keeps the gauge to the newest ranking of each category the view holds: a newer ranking replaces
 * its category's series, and a category the view lets go loses them.
 *
 * @example
 * const gaugeOf = new TrendingGauge();
 * gaugeOf.update([record], []); // eddy_trending_views{category="movies",rank="1",content_id="c-1"} 12
 */
export class TrendingGauge {
  readonly #series = new Map<string, Series[]>();

  update(changed: readonly TrendingRecord[], evicted: readonly string[]): void {
    for (const category of evicted) this.#clear(category);
    for (const r of changed) {
      this.#clear(r.category);
      const series = r.rankings.map((e) => ({ category: r.category, rank: String(e.rank), content_id: e.contentId }));
      r.rankings.forEach((e, i) => trendingViews.set(series[i]!, e.views));
      this.#series.set(r.category, series);
    }
  }

  #clear(category: string): void {
    for (const s of this.#series.get(category) ?? []) trendingViews.remove(s);
    this.#series.delete(category);
  }
}
