/**
 * Exactly-once members (transactions, changelogs, the merge stage on the partials topic): a bounded
 * run of content-popularity by one or two members equals the naive reference; bad records land in
 * the dead-letter topic once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WatchEventGenerator } from '../../connectors/generator/watch-event-generator.js';
import { WatchEventSchema, type WatchEvent } from '../../connectors/generator/watch-event.js';
import { bytesSerde } from '../../connectors/kafka/serde.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { KafkaSource, type SourceRecord } from '../../connectors/kafka/source.js';
import { createTopics, testClient, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import contentPopularity from '../../jobs/content-popularity/job.js';
import { TrendingRecordSchema } from '../../jobs/content-popularity/trending-record.js';
import { buildJob } from '../api/job-definition.js';
import { referenceWindowTopK, type RefResult } from '../testing/reference/window-top-k-reference.js';
import { runMember } from './member.js';

async function readTopic(topic: string, n: number): Promise<SourceRecord<Buffer>[]> {
  const out: SourceRecord<Buffer>[] = [];
  const source = new KafkaSource(testClient(), { groupId: uniqueName('reader'), topics: [topic], maxWaitTimeMs: 100 }, bytesSerde, { write: async () => undefined });
  await source.start(async (b) => void out.push(...b.records));
  try {
    await waitFor(`${n} records on ${topic}`, () => out.length >= n, 60_000);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await source.stop();
  }
  return out;
}

describe('exactly-once members on a real broker', () => {
  it.each([['rocksdb', 2], ['memory', 1]] as const)('equal the reference (%s state, %d members)', async (stateBackend, members) => {
    const input = uniqueName('cp-in');
    const output = uniqueName('cp-out');
    await createTopics([{ name: input, partitions: 4 }]);
    const categories = ['movies', 'series', 'news'];
    const gen = new WatchEventGenerator({
      seed: 11, items: 300, zipf: 1.1, categories, startTime: 1_763_800_000_000, eventsPerSecond: 40,
      outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0.01,
    });
    const produced = gen.nextBatch(12_000);
    const sink = new KafkaSink(testClient());
    await sink.connect();
    await sink.send(input, produced);
    await sink.disconnect();

    const job = buildJob(contentPopularity, {
      inputTopic: input, outputTopic: output, window: '1m', slide: '20s', top: 5, outOfOrderness: '5s', idleTimeout: '0ms',
    });
    const groupId = uniqueName('cp');
    const stateDir = mkdtempSync(join(tmpdir(), 'eddy-run-'));
    await Promise.all(
      Array.from({ length: members }, (_, i) =>
        runMember({ job, kafka: testClient(`eddy-itest-member-${i}`), groupId, stateDir: join(stateDir, `m${i}`), stateBackend, bounded: true, commitIntervalMs: 300, name: `m${i}`, log: () => undefined }),
      ),
    );
    const good = produced.filter((r) => r.kind === 'good').map((r) => WatchEventSchema.parse(JSON.parse(r.value.toString())) as WatchEvent);
    const bad = produced.length - good.length;

    const categoryOf = new Map(good.map((e) => [e.contentId, e.category]));
    const expected = referenceWindowTopK([{ kind: 'records', records: good.map((e) => ({ key: e.contentId, ts: e.eventTime, value: e.watchSeconds })) }], {
      window: { kind: 'sliding', size: 60_000, slide: 20_000 }, allowedLateness: 0, k: 5, groupsOf: (k) => [categoryOf.get(k)!, 'all'],
    });
    expect(expected.late).toEqual([]);

    const records = await readTopic(output, expected.results.length);
    const got: RefResult[] = records.map((r) => {
      const t = TrendingRecordSchema.parse(JSON.parse(r.value.toString()));
      expect(r.key?.toString()).toBe(t.category);
      t.rankings.forEach((e, i) => expect(e.rank).toBe(i + 1));
      return { windowStart: t.windowStart, windowEnd: t.windowEnd, group: t.category, entries: t.rankings.map((e) => ({ key: e.contentId, count: e.views, sum: e.watchSeconds })) };
    });
    const order = (a: RefResult, b: RefResult): number => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0);
    expect(got.sort(order)).toEqual([...expected.results].sort(order));

    // Dead letters are written in transactions: count records (read_committed), not offsets (markers use some).
    const letters = await readTopic(`${input}-dlq`, bad);
    expect(letters).toHaveLength(bad);
    expect(new Set(letters.map((l) => `${String(l.headers['eddy.dlq.source.partition'])}:${String(l.headers['eddy.dlq.source.offset'])}`)).size).toBe(bad);
  });
});
