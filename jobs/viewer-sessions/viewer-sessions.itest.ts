/**
 * viewer-sessions on a real broker: two members run a bounded job over a 4-partition input keyed by
 * content id; the by-user keyBy repartitions through Kafka, and the output equals the naive reference
 * exactly (nothing missing, nothing twice), keyed by user id.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTopics, readTopic, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { buildJob } from '../../engine/api/job-definition.js';
import { runMember } from '../../engine/runtime/member.js';
import viewerSessions from './job.js';
import { referenceSessions } from './testing/session-reference.js';
import { generateViewerEvents, produceViewerEvents } from './testing/viewer-events.js';

describe('viewer-sessions on a real broker', () => {
  it('two members equal the reference, keyed by user id', async () => {
    const input = uniqueName('vs-in');
    const output = uniqueName('vs-out');
    await createTopics([{ name: input, partitions: 4 }]);
    // One event every 20 s over 12 users: a user's events are 4 minutes apart on average, often more than
    // the 5-minute gap. With 30,000 events the second member has joined (and taken
    // its share of partitions, session state included) well before the first is done, in the runs seen.
    const events = generateViewerEvents(30_000, 12, { seed: 21, eventsPerSecond: 1 / 20 });
    await produceViewerEvents(input, events);
    const want = referenceSessions(events, 5 * 60_000);
    expect(new Set(want.map((s) => s.userId)).size).toBe(12);
    expect(want.length).toBeGreaterThan(100);

    const job = buildJob(viewerSessions, { inputTopic: input, outputTopic: output, gap: '5m', outOfOrderness: '5s', idleTimeout: '0ms' });
    const groupId = uniqueName('vs');
    const stateDir = mkdtempSync(join(tmpdir(), 'eddy-run-'));
    await Promise.all(
      [0, 1].map((i) =>
        runMember({ job, kafka: testClient(`eddy-itest-member-${i}`), groupId, stateDir: join(stateDir, `m${i}`), stateBackend: 'rocksdb', bounded: true, commitIntervalMs: 300, name: `m${i}`, log: () => undefined }),
      ),
    );

    const got = await readTopic(output, want.length);
    // As multisets: the exact JSON of each record (field order included) with its key.
    const asText = (key: string, value: string): string => `${key} ${value}`;
    expect(got.map((r) => asText(r.key?.toString() ?? '<null>', r.value.toString())).sort()).toEqual(want.map((s) => asText(s.userId, JSON.stringify(s))).sort());
  });
});
