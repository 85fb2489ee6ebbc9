import { expectDocumentedOptions } from '../shared/testing/documented-options.js';
import { describe, expect, it } from 'vitest';
import { buildJob } from '../../engine/api/job-definition.js';
import { OperatorHarness } from '../../engine/testing/operator-harness.js';
import { generateWatchEvents } from '../content-popularity/testing/trending-fixtures.js';
import { WatchEventSchema, type WatchEvent } from '../shared/watch-event.js';
import watchTimeByRegion, { WatchTimeByRegionOptions } from './job.js';
import { referenceWatchTime, sortWatchTime } from './testing/watch-time-reference.js';

const events = (count: number, seed: number): WatchEvent[] =>
  generateWatchEvents(count, { seed, eventsPerSecond: 20 }).map((r) => WatchEventSchema.parse(JSON.parse(r.value.toString())));

/** Pushes events in batches, moving the watermark as a source would (max seen − 30 s), then ends the input. */
async function run(h: OperatorHarness, input: readonly WatchEvent[]): Promise<void> {
  let max = -Infinity;
  for (let i = 0; i < input.length; i += 500) {
    const batch = input.slice(i, i + 500);
    await h.push('watch-events', batch);
    for (const e of batch) max = Math.max(max, e.eventTime);
    await h.watermark(max - 30_000 - 1);
  }
  await h.endOfInput();
}

describe('watch-time-by-region', () => {
  it.each([['1m', 60_000, 1], ['5m', 300_000, 2]] as const)('equals the naive reference, parallelism 3 (window %s)', async (window, windowMs, seed) => {
    const input = events(20_000, seed);
    const h = await OperatorHarness.create(buildJob(watchTimeByRegion, { window }), { parallelism: 3 });
    try {
      await run(h, input);
      const got = h.records('watch-time-by-region').map((r) => ({ key: r.key, ...JSON.parse(r.encoded.toString()) }));
      const want = referenceWatchTime(input, windowMs);
      expect(want.length).toBeGreaterThan(100);
      expect(sortWatchTime(got)).toEqual(want);
      // The documented field order.
      expect(Object.keys(JSON.parse(h.records('watch-time-by-region')[0]!.encoded.toString()))).toEqual(['windowStart', 'windowEnd', 'region', 'device', 'views', 'watchSeconds']);
      expect(h.output('late-events')).toEqual([]);
      expect(h.deadLetters()).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('sends events behind the watermark to the late topic', async () => {
    const [e] = events(1, 3);
    const h = await OperatorHarness.create(buildJob(watchTimeByRegion, {}), { parallelism: 3 });
    try {
      await h.watermark(e!.eventTime + 120_000);
      await h.push('watch-events', [e]);
      await h.endOfInput();
      expect(h.output('late-events')).toEqual([e]);
      expect(h.output('watch-time-by-region')).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('has defaults for every option but partitions', () => {
    const o = WatchTimeByRegionOptions.parse({});
    expect(o).toEqual({
      inputTopic: 'watch-events', outputTopic: 'watch-time-by-region', dlqTopic: 'watch-events-dlq', lateTopic: 'watch-events-late',
      window: 60_000, outOfOrderness: 30_000, allowedLateness: 0, idleTimeout: 60_000,
    });
    expect(WatchTimeByRegionOptions.parse({ inputTopic: 'in', partitions: '6' })).toMatchObject({ dlqTopic: 'in-dlq', lateTopic: 'in-late', partitions: 6 });
  });

  it.each([
    [{ window: 'soon' }, 'window'],
    [{ window: '0ms' }, 'window'],
    [{ partitions: '0' }, 'partitions'],
    [{ partitions: '1.5' }, 'partitions'],
    [{ outputTopic: 'no spaces' }, 'outputTopic'],
    [{ outOfOrderness: -1 }, 'outOfOrderness'],
    [{ windw: '1m' }, 'windw'],
  ])('rejects %j, naming the field', (input, field) => {
    const r = WatchTimeByRegionOptions.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [...i.path, ...('keys' in i ? i.keys : [])])).toContainEqual([field]);
  });

  it('repartitions by region:device into --partitions partitions', () => {
    const { graph } = buildJob(watchTimeByRegion, { partitions: 6 });
    expect(graph.nodes.find((n) => n.id === 'by-region')?.config).toEqual({ partitioning: 'repartition', partitions: 6 });
  });

  it('docs/jobs.md lists exactly its options, with their defaults', () => {
    expectDocumentedOptions('watch-time-by-region', WatchTimeByRegionOptions);
  });
});
