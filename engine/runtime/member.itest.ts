/**
 * Exactly-once members (transactions, changelogs, the merge stage on the partials topic): a bounded
 * run of content-popularity by one member, with each state backend, equals the naive reference; bad records land in
 * the dead-letter topic once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { createTopics, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import contentPopularity from '../../jobs/content-popularity/job.js';
import { expectExactTrending, produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { buildJob } from '../api/job-definition.js';
import { runMember } from './member.js';
import { quietLogger } from '../log/testing/log-capture.js';

describe('exactly-once members on a real broker', () => {
  it.each([['rocksdb', 1], ['memory', 1]] as const)('equal the reference (%s state, %d members)', async (stateBackend, members) => {
    const input = uniqueName('cp-in');
    const output = uniqueName('cp-out');
    await createTopics([{ name: input, partitions: 4 }]);
    const produced = await produceWatchEvents(input, 12_000, { seed: 11, items: 300, eventsPerSecond: 40, badFraction: 0.01 });
    const job = buildJob(contentPopularity, { inputTopic: input, outputTopic: output, window: '1m', slide: '20s', top: 5, outOfOrderness: '5s', idleTimeout: '0ms' });
    const groupId = uniqueName('cp');
    const stateDir = mkdtempSync(join(tmpdir(), 'eddy-run-'));
    await Promise.all(
      Array.from({ length: members }, (_, i) =>
        runMember({ job, kafka: testClient(`eddy-itest-member-${i}`), groupId, stateDir: join(stateDir, `m${i}`), stateBackend, bounded: true, commitIntervalMs: 300, name: `m${i}`, logger: quietLogger() }),
      ),
    );
    await expectExactTrending(produced, { output, dlq: `${input}-dlq` }, { size: 60_000, slide: 20_000, k: 5 });
  });
});
