/** The trending view the job declares: what its runners serve and export from the `trending` topic. */
import type { ViewSpec } from '../../engine/index.js';
import { TrendingRecordSchema, type TrendingRecord } from './trending-record.js';

/**
 * The trending view: the newest window's ranking per category. The runner serves it at
 * `GET /v1/trending?category=<c>` and exports it as `eddy_trending_views`.
 */
export function trendingViewSpec(topic: string): ViewSpec<TrendingRecord> {
  return {
    name: 'trending',
    param: 'category',
    topic,
    schema: TrendingRecordSchema,
    keyOf: (r) => r.category,
    orderOf: (r) => r.windowEnd,
    ranking: (r) => ({ group: r.category, entries: r.rankings.map((e) => ({ rank: e.rank, id: e.contentId, score: e.views })) }),
  };
}
