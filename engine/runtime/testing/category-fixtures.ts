/**
 * Integration-test helpers for the category job (category-job.ts): produce seeded watch events to
 * its two topics, and check both outputs against a naive reference computed from the same events.
 */
import { expect } from 'vitest';
import type { GeneratedRecord } from '../../../connectors/generator/watch-event-generator.js';
import { readTopic } from '../../../connectors/kafka/testing/fixtures.js';
import { WatchEventSchema, type WatchEvent } from '../../../jobs/shared/watch-event.js';
import { produceRecords, generateWatchEvents } from '../../../jobs/content-popularity/testing/trending-fixtures.js';
import type { CategoryViews } from './category-job.js';

/** The category job's flags for these topics (1-minute windows, 5 s out-of-orderness). */
export function categoryJobArgs(t: { input: string; second: string; output: string; top: string }): string[] {
  return ['--input-topic', t.input, '--second-topic', t.second, '--output-topic', t.output, '--top-topic', t.top, '--window', '1m', '--out-of-orderness', '5s'];
}

/**
 * Seeded events for both topics: `count` to the first (with a few bad records), a third as many to
 * the second, over the same stretch of event time (no late ones: the reference takes them as one step).
 */
export async function produceCategoryInput(input: string, second: string, count: number, seed: number): Promise<GeneratedRecord[]> {
  const first = generateWatchEvents(count, { seed, badFraction: 0.005 });
  const more = generateWatchEvents(Math.ceil(count / 3), { seed: seed + 1, eventsPerSecond: 100 / 3 });
  await produceRecords(input, first);
  await produceRecords(second, more);
  return [...first, ...more];
}

/** Views and watch time per category per tumbling window, and the top 2 categories of each (views desc, then name). */
export function referenceCategoryViews(events: readonly WatchEvent[], windowMs: number): { views: CategoryViews[]; top: { windowEnd: number; categories: string[] }[] } {
  const cells = new Map<string, CategoryViews>();
  for (const e of events) {
    const windowStart = Math.floor(e.eventTime / windowMs) * windowMs;
    const id = `${e.category}|${windowStart}`;
    const c = cells.get(id) ?? { category: e.category, windowStart, windowEnd: windowStart + windowMs, views: 0, watchSeconds: 0 };
    c.views += 1;
    c.watchSeconds += e.watchSeconds;
    cells.set(id, c);
  }
  const views = [...cells.values()];
  const ends = [...new Set(views.map((v) => v.windowEnd))];
  const top = ends.map((windowEnd) => ({
    windowEnd,
    categories: views.filter((v) => v.windowEnd === windowEnd).sort((a, b) => b.views - a.views || (a.category < b.category ? -1 : 1)).slice(0, 2).map((v) => v.category),
  }));
  return { views, top };
}

const byCell = (a: CategoryViews, b: CategoryViews): number => a.windowStart - b.windowStart || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0);

/** Both output topics hold exactly the reference's records of the good events: nothing missing, nothing twice. */
export async function expectExactCategoryViews(produced: readonly GeneratedRecord[], topics: { output: string; top: string }, windowMs: number): Promise<void> {
  const good = produced.filter((r) => r.kind === 'good').map((r) => WatchEventSchema.parse(JSON.parse(r.value.toString())));
  const want = referenceCategoryViews(good, windowMs);
  const got = (await readTopic(topics.output, want.views.length)).map((r) => {
    const v = JSON.parse(r.value.toString()) as CategoryViews;
    expect(r.key?.toString()).toBe(v.category);
    return v;
  });
  expect(got.length).toBe(want.views.length);
  got.sort(byCell);
  want.views.sort(byCell);
  // Name the first few differing cells: a diff of hundreds says little.
  const differing = want.views.flatMap((w, i) => (JSON.stringify(w) === JSON.stringify(got[i]) ? [] : [`expected ${JSON.stringify(w)}\n     got ${JSON.stringify(got[i])}`]));
  expect(differing.slice(0, 4).join('\n'), `${differing.length} cells differ`).toBe('');
  const tops = (await readTopic(topics.top, want.top.length)).map((r) => JSON.parse(r.value.toString()) as { windowEnd: number; categories: string[] });
  expect(tops.sort((a, b) => a.windowEnd - b.windowEnd)).toEqual(want.top.sort((a, b) => a.windowEnd - b.windowEnd));
}
