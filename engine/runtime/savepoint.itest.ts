/**
 * Savepoints and rescaling through the real CLI: a run at parallelism 2 stops with a savepoint
 * half-way through the input; runs restored from it at parallelism 3 and 1 finish the input. Each
 * restored run's output, after the first run's, equals the reference over all input exactly. A
 * savepoint of another job graph is refused. Across processes: three runners of a job of four stages
 * take a savepoint together (asked of one), all stop, and two runners restored from it finish the input.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { createTopics, readTopic, testClient, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { expectExactTrending, generateWatchEvents, produceRecords } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, runEddy, startBoundedRun, startServingEddy, type ServingEddy } from '../cli/testing/eddy-process.js';
import { CATEGORY_JOB } from './testing/category-job.js';
import { categoryJobArgs, expectExactCategoryViews } from './testing/category-fixtures.js';

const children: { kill: () => void }[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill()));

const jobArgs = (brokers: string, input: string, output: string, groupId: string, parallelism: number): string[] => [
  'run', 'content-popularity', '--brokers', brokers, '--input-topic', input, '--output-topic', output,
  '--window', '1m', '--slide', '20s', '--top', String(WINDOW.k), '--out-of-orderness', '5s', '--idle-timeout', '0ms',
  '--parallelism', String(parallelism), '--group-id', groupId, '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-sp-')),
  '--checkpoint-interval', '300ms', '--metrics-port', '0',
];

/** Copies what a topic holds to a new topic: a restored run continues the first run's output there. */
async function copyTopic(from: string, n: number): Promise<string> {
  const to = uniqueName(`${from}-copy`);
  await createTopics([{ name: to, partitions: 1 }]);
  const records = await readTopic(from, n);
  const sink = new KafkaSink(testClient());
  await sink.connect();
  await sink.send(to, records.map((r) => ({ key: r.key, value: r.value })));
  await sink.disconnect();
  return to;
}

/** POST /v1/stop with a savepoint directory, retried while a rebalance makes it fail (409). */
async function stopWithSavepoint(url: string, token: string, dir: string): Promise<{ status: number; body: { savepoint?: { tasks: number } } }> {
  for (let attempt = 1; ; attempt += 1) {
    const r = await fetch(`${url}/v1/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ savepointDirectory: dir }) });
    if (r.status !== 409 || attempt === 10) return { status: r.status, body: (await r.json()) as { savepoint?: { tasks: number } } };
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

describe('savepoints', () => {
  it('stop with a savepoint at P=2, resume at P=3 and at P=1: outputs equal the reference', async () => {
    const brokers = inject('kafkaBrokers');
    const input = uniqueName('sp-in');
    const first = uniqueName('sp-out');
    await createTopics([{ name: input, partitions: 4 }]);
    const events = generateWatchEvents(40_000, { seed: 21 });
    const half = events.slice(0, 20_000);
    await produceRecords(input, half);
    const goodInHalf = half.filter((r) => r.kind === 'good').length;

    const token = 'savepoint-test-token';
    const runner = startServingEddy(jobArgs(brokers, input, first, uniqueName('sp-g'), 2), { EDDY_API_TOKEN: token });
    children.push(runner);
    const url = await runner.url;
    await waitFor('the first half processed', async () => ((await (await fetch(`${url}/v1/status`)).json()) as { records: number }).records === goodInHalf, 90_000);

    const dir = mkdtempSync(join(tmpdir(), 'eddy-savepoint-'));
    // A savepoint is refused (409) while a rebalance moves tasks between the two member threads.
    let stop: Response;
    for (let attempt = 1; ; attempt += 1) {
      stop = await fetch(`${url}/v1/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ savepointDirectory: dir }) });
      if (stop.status !== 409 || attempt === 10) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const stopped = (await stop.json()) as { savepoint?: { tasks: number } };
    expect(stop.status, JSON.stringify(stopped)).toBe(202);
    expect(stopped.savepoint?.tasks).toBe(4 + 1); // four partition tasks and the merge stage
    expect(await runner.exitCode, runner.stderr().slice(-2_000)).toBe(0);
    const before = await readTopic(first, 1);
    expect(before.length).toBeGreaterThan(0);

    await produceRecords(input, events.slice(20_000));
    for (const parallelism of [3, 1]) {
      // Each restored run continues the first run's output topic (a copy of it).
      const output = uniqueName(`sp-out-p${parallelism}`);
      await createTopics([{ name: output, partitions: 1 }]);
      const sink = new KafkaSink(testClient());
      await sink.connect();
      await sink.send(output, before.map((r) => ({ key: r.key, value: r.value })));
      await sink.disconnect();
      const run = await runEddy([...jobArgs(brokers, input, output, uniqueName('sp-g'), parallelism), '--bounded', '--from-savepoint', dir]);
      expect(run.code, run.stderr.slice(-2_000)).toBe(0);
      expect(run.stderr).toMatch(/restored \d+ entries from savepoint/);
      await expectExactTrending(events, { output, dlq: `${input}-dlq` }, WINDOW);
    }

    // Another window size is another job graph.
    const refused = await runEddy([...jobArgs(brokers, input, uniqueName('sp-x'), uniqueName('sp-g'), 1).map((a) => (a === '1m' ? '2m' : a)), '--bounded', '--from-savepoint', dir]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/different job graph/);
  }, 300_000);

  it('three runners take a savepoint together and stop; two runners restored from it finish: the output equals the reference', async () => {
    const brokers = inject('kafkaBrokers');
    const topics = { input: uniqueName('sp3-in'), second: uniqueName('sp3-b'), output: uniqueName('sp3-out'), top: uniqueName('sp3-top') };
    await createTopics([{ name: topics.input, partitions: 6 }, { name: topics.second, partitions: 2 }, { name: topics.output, partitions: 1 }, { name: topics.top, partitions: 1 }]);
    const first = generateWatchEvents(24_000, { seed: 31, badFraction: 0.005 });
    const more = generateWatchEvents(8_000, { seed: 32, eventsPerSecond: 100 / 3 });
    await produceRecords(topics.input, first.slice(0, 12_000));
    await produceRecords(topics.second, more.slice(0, 4_000));
    const goodSoFar = [...first.slice(0, 12_000), ...more.slice(0, 4_000)].filter((r) => r.kind === 'good').length;

    const token = 'savepoint-3-token';
    const groupId = uniqueName('sp3-g');
    const runnerArgs = (): string[] => [
      'run', CATEGORY_JOB, '--brokers', brokers, ...categoryJobArgs(topics), '--group-id', groupId, '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-sp3-')),
      '--checkpoint-interval', '300ms', '--session-timeout', '3s', '--metrics-port', '0',
    ];
    const runners: ServingEddy[] = [0, 1, 2].map(() => startServingEddy(runnerArgs(), { EDDY_API_TOKEN: token }));
    children.push(...runners);
    const urls = await Promise.all(runners.map((r) => r.url));
    const records = async (): Promise<number> => (await Promise.all(urls.map(async (u) => ((await (await fetch(`${u}/v1/status`)).json()) as { records: number }).records))).reduce((a, b) => a + b, 0);
    await waitFor('the first half processed by the three runners', async () => (await records()) >= goodSoFar, 120_000);

    const dir = mkdtempSync(join(tmpdir(), 'eddy-savepoint-3-'));
    const stop = await stopWithSavepoint(urls[1]!, token, dir);
    expect(stop.status, JSON.stringify(stop.body)).toBe(202);
    // Every task of every stage: 6 + 2 source partitions, 6 of the repartitioned stage, the merge.
    expect(stop.body.savepoint?.tasks).toBe(6 + 2 + 6 + 1);
    for (const r of runners) expect(await r.exitCode, r.stderr().slice(-2_000)).toBe(0);

    await produceRecords(topics.input, first.slice(12_000));
    await produceRecords(topics.second, more.slice(4_000));
    const restored = { ...topics, output: await copyTopic(topics.output, 1), top: await copyTopic(topics.top, 1) };
    const group2 = uniqueName('sp3-g2');
    const two = [0, 1].map(() => startBoundedRun(CATEGORY_JOB, [...categoryJobArgs(restored), '--from-savepoint', dir], { brokers, groupId: group2, parallelism: 1, sessionTimeout: '3s' }));
    for (const r of await Promise.all(two.map((p) => p.exited))) expect(r.code, r.stderr).toBe(0);
    await expectExactCategoryViews([...first, ...more], restored, 60_000);
  }, 300_000);
});
