/**
 * viewer-sessions on a real broker: two members run a bounded job over a 4-partition input keyed by
 * content id; the by-user keyBy repartitions through Kafka, and the output equals the naive reference
 * exactly (nothing missing, nothing twice), keyed by user id. So does the output of `eddy run`
 * killed with SIGKILL again and again, and of three runners one of which is killed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { startBoundedRun } from '../../engine/cli/testing/eddy-process.js';
import { committedOn, killOneOfThree, killRepeatedly } from '../../engine/runtime/testing/kill-repeatedly.js';
import { createTopics, readTopic, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { buildJob } from '../../engine/api/job-definition.js';
import { runMember } from '../../engine/runtime/member.js';
import viewerSessions from './job.js';
import { referenceSessions } from './testing/session-reference.js';
import { generateViewerEvents, produceViewerEvents } from './testing/viewer-events.js';
import { quietLogger } from '../../engine/log/testing/log-capture.js';

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
        runMember({ job, kafka: testClient(`eddy-itest-member-${i}`), groupId, stateDir: join(stateDir, `m${i}`), stateBackend: 'rocksdb', bounded: true, commitIntervalMs: 300, name: `m${i}`, logger: quietLogger() }),
      ),
    );

    const got = await readTopic(output, want.length);
    // As multisets: the exact JSON of each record (field order included) with its key.
    const asText = (key: string, value: string): string => `${key} ${value}`;
    expect(got.map((r) => asText(r.key?.toString() ?? '<null>', r.value.toString())).sort()).toEqual(want.map((s) => asText(s.userId, JSON.stringify(s))).sort());
  });

  describe('as runner processes', () => {
    const admin = new KafkaAdmin(testClient('eddy-itest-admin'));
    beforeAll(() => admin.connect());
    afterAll(() => admin.disconnect());

    it('equals the reference through SIGKILLs of its runner, and with three runners of which one is killed', { timeout: 400_000 }, async () => {
      const input = uniqueName('vs-chaos-in');
      await createTopics([{ name: input, partitions: 4 }]);
      const events = generateViewerEvents(200_000, 40, { seed: 23, eventsPerSecond: 1 / 5 });
      await produceViewerEvents(input, events);
      const want = referenceSessions(events, 5 * 60_000).map((s) => `${s.userId} ${JSON.stringify(s)}`).sort();
      const run = (output: string, groupId: string) => ({
        args: ['--input-topic', input, '--output-topic', output, '--gap', '5m', '--out-of-orderness', '5s', '--idle-timeout', '0ms'],
        o: { brokers: inject('kafkaBrokers'), groupId, parallelism: 1, sessionTimeout: '2s', stateDir: mkdtempSync(join(tmpdir(), 'eddy-vs-chaos-')) },
      });
      const expectOutput = async (output: string): Promise<void> => {
        const got = await readTopic(output, want.length);
        expect(got.map((r) => `${r.key?.toString() ?? '<null>'} ${r.value.toString()}`).sort()).toEqual(want);
      };

      const killed = run(uniqueName('vs-chaos-out'), uniqueName('vs-chaos'));
      const committed = async (): Promise<number> => (await committedOn(admin, killed.o.groupId, [input])) + (await committedOn(admin, `${killed.o.groupId}-exchange`, [`${killed.o.groupId}-by-user-repartition`]).catch(() => 0));
      await killRepeatedly(3, () => startBoundedRun('viewer-sessions', killed.args, killed.o), committed, 2 * events.length);
      await expectOutput(killed.args[3]!);

      const three = run(uniqueName('vs-multi-out'), uniqueName('vs-multi'));
      // Killed with a fifth of the input committed: all three have joined and work by then.
      await killOneOfThree(() => startBoundedRun('viewer-sessions', three.args, { ...three.o, stateDir: mkdtempSync(join(tmpdir(), 'eddy-vs-multi-')) }), () => committedOn(admin, three.o.groupId, [input]), events.length / 5);
      await expectOutput(three.args[3]!);
    });
  });
});
