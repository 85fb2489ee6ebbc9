/**
 * Integration-test helpers for content-popularity: produce seeded watch events, and check the
 * `trending` topic against the naive reference computed from the same events.
 */
import { expect } from 'vitest';
import { WatchEventGenerator, type GeneratedRecord, type WatchEventGeneratorOptions } from '../../../connectors/generator/watch-event-generator.js';
import { WatchEventSchema, type WatchEvent } from '../../shared/watch-event.js';
import { KafkaSink } from '../../../connectors/kafka/sink.js';
import { readTopic, testClient } from '../../../connectors/kafka/testing/fixtures.js';
import { referenceWindowTopK, type RefResult } from '../../../engine/testing/reference/window-top-k-reference.js';
import { TrendingRecordSchema } from '../trending-record.js';

/** `count` seeded watch events (no late ones: the reference takes them as one step). */
export function generateWatchEvents(count: number, opts: Partial<WatchEventGeneratorOptions> = {}): GeneratedRecord[] {
  const gen = new WatchEventGenerator({
    seed: 1, items: 500, zipf: 1.1, categories: ['movies', 'series', 'news'], startTime: 1_763_800_000_000, eventsPerSecond: 100,
    outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0, ...opts,
  });
  return gen.nextBatch(count);
}

/** Produces records to the topic, in order. */
export async function produceRecords(topic: string, records: readonly GeneratedRecord[]): Promise<void> {
  const sink = new KafkaSink(testClient());
  await sink.connect();
  for (let i = 0; i < records.length; i += 10_000) await sink.send(topic, records.slice(i, i + 10_000));
  await sink.disconnect();
}

/** Produces `count` seeded watch events (no late ones: the reference takes them as one step). */
export async function produceWatchEvents(topic: string, count: number, opts: Partial<WatchEventGeneratorOptions> = {}): Promise<GeneratedRecord[]> {
  const produced = generateWatchEvents(count, opts);
  await produceRecords(topic, produced);
  return produced;
}

const order = (a: RefResult, b: RefResult): number => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0);

/**
 * Asserts that the trending topic holds exactly the reference's rankings (nothing missing, nothing
 * twice) and that every bad record is in the dead-letter topic exactly once.
 */
export async function expectExactTrending(
  produced: readonly GeneratedRecord[],
  topics: { output: string; dlq: string },
  window: { size: number; slide: number; k: number },
): Promise<void> {
  const good = produced.filter((r) => r.kind === 'good').map((r) => WatchEventSchema.parse(JSON.parse(r.value.toString())) as WatchEvent);
  await expectRankings(good, topics.output, window);
  const bad = produced.length - good.length;
  if (bad > 0) {
    const letters = await readTopic(topics.dlq, bad);
    expect(letters).toHaveLength(bad);
    expect(new Set(letters.map((l) => `${String(l.headers['eddy.dlq.source.partition'])}:${String(l.headers['eddy.dlq.source.offset'])}`)).size).toBe(bad);
  }
}

/**
 * Asserts that the trending topic holds exactly the reference's rankings of `good` (nothing missing,
 * nothing twice). With `maxGroups`, per window only the overall ranking ("all") and the first
 * `maxGroups − 1` other categories in name order are expected, as `--max-groups` promises.
 */
export async function expectRankings(good: readonly WatchEvent[], output: string, window: { size: number; slide: number; k: number; maxGroups?: number }): Promise<void> {
  const categoryOf = new Map(good.map((e) => [e.contentId, e.category]));
  const expected = referenceWindowTopK([{ kind: 'records', records: good.map((e) => ({ key: e.contentId, ts: e.eventTime, value: e.watchSeconds })) }], {
    window: { kind: 'sliding', size: window.size, slide: window.slide }, allowedLateness: 0, k: window.k, groupsOf: (k) => [categoryOf.get(k)!, 'all'],
  });
  expect(expected.late).toEqual([]);
  if (window.maxGroups !== undefined) expected.results = capGroups(expected.results, window.maxGroups);
  const got: RefResult[] = (await readTopic(output, expected.results.length)).map((r) => {
    const t = TrendingRecordSchema.parse(JSON.parse(r.value.toString()));
    expect(r.key?.toString()).toBe(t.category);
    t.rankings.forEach((e, i) => expect(e.rank).toBe(i + 1));
    return { windowStart: t.windowStart, windowEnd: t.windowEnd, group: t.category, entries: t.rankings.map((e) => ({ key: e.contentId, count: e.views, sum: e.watchSeconds })) };
  });
  expect(got.length).toBe(expected.results.length);
  const want = [...expected.results].sort(order);
  got.sort(order);
  // Name the first few differing windows: a diff of hundreds of rankings says little.
  const differing = want.flatMap((w, i) => (JSON.stringify(w) === JSON.stringify(got[i]) ? [] : [`expected ${JSON.stringify(w)}\n     got ${JSON.stringify(got[i])}`]));
  expect(differing.slice(0, 3).join('\n'), `${differing.length} rankings differ`).toBe('');
}

/** Per window: "all", then the other groups in name order, `maxGroups` in all. */
function capGroups(results: readonly RefResult[], maxGroups: number): RefResult[] {
  const byWindow = new Map<string, RefResult[]>();
  for (const r of results) {
    const id = `${r.windowStart},${r.windowEnd}`;
    byWindow.set(id, [...(byWindow.get(id) ?? []), r]);
  }
  return [...byWindow.values()].flatMap((rs) => {
    const all = rs.filter((r) => r.group === 'all');
    const others = rs.filter((r) => r.group !== 'all').sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    return [...all, ...others].slice(0, maxGroups);
  });
}
