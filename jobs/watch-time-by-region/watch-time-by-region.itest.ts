/**
 * watch-time-by-region on a real broker: two members run the job bounded, at once, through the
 * `by-region` repartition topic; the output equals the naive reference, every record once. So does
 * the output of `eddy run` killed with SIGKILL again and again, and of three runners one of which
 * is killed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { createTopics, readTopic, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { buildJob } from '../../engine/api/job-definition.js';
import { runMember } from '../../engine/runtime/member.js';
import { produceWatchEvents } from '../content-popularity/testing/trending-fixtures.js';
import { WatchEventSchema } from '../shared/watch-event.js';
import watchTimeByRegion from './job.js';
import { referenceWatchTime, sortWatchTime } from './testing/watch-time-reference.js';
import { startBoundedRun } from '../../engine/cli/testing/eddy-process.js';
import { committedOn, killOneOfThree, killRepeatedly } from '../../engine/runtime/testing/kill-repeatedly.js';
import { quietLogger } from '../../engine/log/testing/log-capture.js';

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
        runMember({ job, kafka: testClient(`eddy-itest-member-${i}`), groupId, stateDir: join(stateDir, `m${i}`), stateBackend: 'rocksdb', bounded: true, commitIntervalMs: 300, name: `m${i}`, logger: quietLogger() }),
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

  describe('as runner processes', () => {
    const admin = new KafkaAdmin(testClient('eddy-itest-admin'));
    beforeAll(() => admin.connect());
    afterAll(() => admin.disconnect());

    it('equals the reference through SIGKILLs of its runner, and with three runners of which one is killed', { timeout: 400_000 }, async () => {
      const input = uniqueName('wtr-chaos-in');
      await createTopics([{ name: input, partitions: 4 }]);
      const produced = await produceWatchEvents(input, 200_000, { seed: 23, items: 300, eventsPerSecond: 50, badFraction: 0.002 });
      const want = referenceWatchTime(produced.filter((r) => r.kind === 'good').map((r) => WatchEventSchema.parse(JSON.parse(r.value.toString()))), 60_000);
      const run = (output: string, groupId: string) => ({
        args: ['--input-topic', input, '--output-topic', output, '--out-of-orderness', '5s', '--idle-timeout', '0ms'],
        o: { brokers: inject('kafkaBrokers'), groupId, parallelism: 1, sessionTimeout: '2s', stateDir: mkdtempSync(join(tmpdir(), 'eddy-wtr-chaos-')) },
      });
      const expectOutput = async (output: string): Promise<void> => {
        const got = (await readTopic(output, want.length)).map((r) => ({ key: r.key?.toString(), ...JSON.parse(r.value.toString()) }));
        expect(sortWatchTime(got)).toEqual(want);
      };

      const killed = run(uniqueName('wtr-chaos-out'), uniqueName('wtr-chaos'));
      const committed = async (): Promise<number> => (await committedOn(admin, killed.o.groupId, [input])) + (await committedOn(admin, `${killed.o.groupId}-exchange`, [`${killed.o.groupId}-by-region-repartition`]).catch(() => 0));
      await killRepeatedly(3, () => startBoundedRun('watch-time-by-region', killed.args, killed.o), committed, 2 * produced.length);
      await expectOutput(killed.args[3]!);

      const three = run(uniqueName('wtr-multi-out'), uniqueName('wtr-multi'));
      // Killed with a fifth of the input committed: all three have joined and work by then.
      await killOneOfThree(() => startBoundedRun('watch-time-by-region', three.args, { ...three.o, stateDir: mkdtempSync(join(tmpdir(), 'eddy-wtr-multi-')) }), () => committedOn(admin, three.o.groupId, [input]), produced.length / 5);
      await expectOutput(three.args[3]!);
    });
  });
});
