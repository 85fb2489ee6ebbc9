/**
 * watch-time-by-region on a real broker: two members run the job bounded, at once, through the
 * `by-region` repartition topic; the output equals the naive reference, every record once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { createTopics, readTopic, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { buildJob } from '../../engine/api/job-definition.js';
import { runMember } from '../../engine/runtime/member.js';
import { produceWatchEvents } from '../content-popularity/testing/trending-fixtures.js';
import { WatchEventSchema } from '../shared/watch-event.js';
import watchTimeByRegion from './job.js';
import { referenceWatchTime, sortWatchTime } from './testing/watch-time-reference.js';

describe('watch-time-by-region on a real broker', () => {
  it('equals the reference with two members, through a 4-partition repartition topic', async () => {
    const input = uniqueName('wtr-in');
    const output = uniqueName('wtr-out');
    await createTopics([{ name: input, partitions: 4 }]);
    const produced = await produceWatchEvents(input, 10_000, { seed: 21, items: 300, eventsPerSecond: 10 });
    const job = buildJob(watchTimeByRegion, { inputTopic: input, outputTopic: output, outOfOrderness: '5s', idleTimeout: '0ms' });
    const groupId = uniqueName('wtr');
    const stateDir = mkdtempSync(join(tmpdir(), 'eddy-wtr-'));
    await Promise.all(
      [0, 1].map((i) =>
        runMember({ job, kafka: testClient(`eddy-itest-member-${i}`), groupId, stateDir: join(stateDir, `m${i}`), stateBackend: 'rocksdb', bounded: true, commitIntervalMs: 300, name: `m${i}`, log: () => undefined }),
      ),
    );

    const want = referenceWatchTime(produced.map((r) => WatchEventSchema.parse(JSON.parse(r.value.toString()))), 60_000);
    expect(want.length).toBeGreaterThan(400);
    const records = await readTopic(output, want.length);
    const got = records.map((r) => ({ key: r.key?.toString(), ...JSON.parse(r.value.toString()) }));
    // Sorted, both sides: a multiset comparison, so a duplicate or a missing record shows.
    expect(sortWatchTime(got)).toEqual(want);

    const admin = new KafkaAdmin(testClient('eddy-itest-admin'));
    await admin.connect();
    try {
      expect(await admin.offsets(`${groupId}-by-region-repartition`)).toHaveLength(4);
    } finally {
      await admin.disconnect();
    }
  });
});
