/** The job on Eddy's operator harness: its whole graph in this process, no broker. */
import { buildJob, OperatorHarness } from 'eddy/testing';
import { describe, expect, it } from 'vitest';
import job, { Options, type CategoryViews, type View } from './job.js';

const view = (category: string, eventTime: number, watchSeconds = 30): View => ({ contentId: 'c-1', category, watchSeconds, eventTime });

describe('{{name}}', () => {
  it('counts views of at least --min-watch-seconds per category and window', async () => {
    const h = await OperatorHarness.create(buildJob(job, { window: '1m', minWatchSeconds: '10' }), { parallelism: 2 });
    try {
      await h.push('views', [view('movies', 1_000), view('news', 2_000), view('news', 3_000, 9), view('movies', 59_999), view('movies', 60_000)]);
      await h.endOfInput(); // as at the end of a bounded run: every window fires
      const out = h.records('category-views').map((r) => JSON.parse(r.encoded.toString()) as CategoryViews);
      expect(out.sort((a, b) => a.windowStart - b.windowStart || a.category.localeCompare(b.category))).toEqual([
        { category: 'movies', windowStart: 0, windowEnd: 60_000, views: 2 },
        { category: 'news', windowStart: 0, windowEnd: 60_000, views: 1 },
        { category: 'movies', windowStart: 60_000, windowEnd: 120_000, views: 1 },
      ]);
      expect(h.deadLetters()).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('has a default for every option', () => {
    expect(Options.parse({})).toEqual({ inputTopic: 'watch-events', outputTopic: '{{name}}', window: 60_000, outOfOrderness: 5_000, minWatchSeconds: 5 });
  });
});
