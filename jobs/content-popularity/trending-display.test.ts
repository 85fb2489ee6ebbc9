import { describe, expect, it } from 'vitest';
import { trendingLines } from './trending-display.js';
import type { TrendingRecord } from './trending-record.js';

const record = (category: string, ids: string[]): TrendingRecord => ({
  windowStart: Date.UTC(2026, 0, 1, 12, 0, 0),
  windowEnd: Date.UTC(2026, 0, 1, 12, 1, 0),
  category,
  rankings: ids.map((contentId, i) => ({ rank: i + 1, contentId, views: 10 - i, watchSeconds: 600 })),
  emittedAt: 0,
});

describe("content-popularity's demo display", () => {
  it('says what it waits for until the first overall ranking', () => {
    expect(trendingLines(undefined, [], 5_000)).toEqual(['waiting for the first window to close (watermark = newest event time − 5 s)…']);
  });

  it('shows the overall top K, then the top 3 of each category', () => {
    const overall = record('all', ['c-000001', 'c-000002']);
    const lines = trendingLines(overall, [overall, record('news', ['c-000002', 'c-000003', 'c-000004', 'c-000005'])], 5_000);
    expect(lines).toEqual([
      'Top 2 overall, window 12:00:00–12:01:00 UTC:',
      '  rank  content     views   watch-min',
      '     1  c-000001       10          10',
      '     2  c-000002        9          10',
      '',
      'Per category (top 3):',
      '  news     c-000002 (10)  c-000003 (9)  c-000004 (8)',
    ]);
  });
});
