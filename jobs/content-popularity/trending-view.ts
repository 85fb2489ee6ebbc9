/** The trending view the job declares: what its runners serve and export from the `trending` topic. */
import type { ViewSpec } from '../../engine/index.js';
import { TrendingGauge } from './trending-metrics.js';
import { TrendingRecordSchema, type TrendingRecord } from './trending-record.js';

/** The view's name: its runner path (`/v1/trending`) and what the demo display reads. */
export const TRENDING_VIEW = 'trending';

/**
 * The trending view: the newest window's ranking per category. The runner serves it at
 * `GET /v1/trending?category=<c>` and the job exports it as `eddy_trending_views`.
 */
export function trendingViewSpec(topic: string): ViewSpec<TrendingRecord> {
  const trending = new TrendingGauge();
  return {
    name: TRENDING_VIEW,
    param: 'category',
    topic,
    schema: TrendingRecordSchema,
    keyOf: (r) => r.category,
    orderOf: (r) => r.windowEnd,
    onChange: (changed, evicted) => trending.update(changed, evicted),
  };
}
