/**
 * A job of four stages on a real broker (testing/category-job.ts): two sources joined by a union, a
 * keyBy on a field that is not the record key (a repartition topic), windows after it and a top-K
 * merge after those. Bounded runs by two members equal the naive reference exactly: one count per
 * category and window, however the categories were spread over the input partitions.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { createTopics, readTopic, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { buildJob } from '../api/job-definition.js';
import { runMember } from './member.js';
import categoryJob from './testing/category-job.js';
import { expectExactCategoryViews, produceCategoryInput } from './testing/category-fixtures.js';
import { quietLogger } from '../log/testing/log-capture.js';

describe('a job of several stages on a real broker', () => {
  it('repartitions by category, unions two sources and merges a top-K: the output equals the reference', { timeout: 240_000 }, async () => {
    const [input, second, output, top] = ['stages-in', 'stages-b', 'stages-out', 'stages-top'].map(uniqueName) as [string, string, string, string];
    await createTopics([{ name: input, partitions: 4 }, { name: second, partitions: 2 }]);
    const produced = await produceCategoryInput(input, second, 20_000, 21);
    const job = buildJob(categoryJob, { inputTopic: input, secondTopic: second, outputTopic: output, topTopic: top, window: '1m', outOfOrderness: '5s' });
    const groupId = uniqueName('stages');
    const stateDir = mkdtempSync(join(tmpdir(), 'eddy-stages-'));
    const stats = await Promise.all(
      [0, 1].map((i) => runMember({ job, kafka: testClient(`eddy-itest-stages-${i}`), groupId, stateDir: join(stateDir, `m${i}`), stateBackend: 'rocksdb', bounded: true, commitIntervalMs: 300, name: `m${i}`, logger: quietLogger() })),
    );
    await expectExactCategoryViews(produced, { output, top }, 60_000);
    // Every record of both topics went through the job, the bad ones to their topic's dead letters.
    expect(stats.reduce((n, s) => n + s.records, 0)).toBe(produced.filter((r) => r.kind === 'good').length);
    const bad = produced.filter((r) => r.kind === 'bad').length;
    expect(bad).toBeGreaterThan(0);
    expect(await readTopic(`${input}-dlq`, bad)).toHaveLength(bad);
    // The repartition topic has as many partitions as the widest input, and it carried the records.
    const admin = new KafkaAdmin(testClient());
    await admin.connect();
    try {
      const offsets = await admin.offsets(`${groupId}-by-category-repartition`);
      expect(offsets).toHaveLength(4);
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBeGreaterThan(produced.length - bad);
    } finally {
      await admin.disconnect();
    }
  });
});
