/**
 * Savepoints and rescaling through the real CLI: a run at parallelism 2 stops with a savepoint
 * half-way through the input; runs restored from it at parallelism 3 and 1 finish the input. Each
 * restored run's output, after the first run's, equals the reference over all input exactly. A
 * savepoint of another job graph is refused.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { createTopics, readTopic, testClient, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { expectExactTrending, generateWatchEvents, produceRecords } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, runEddy, startServingEddy } from '../cli/eddy-process.js';

const children: { kill: () => void }[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill()));

const jobArgs = (brokers: string, input: string, output: string, groupId: string, parallelism: number): string[] => [
  'run', 'content-popularity', '--brokers', brokers, '--input-topic', input, '--output-topic', output,
  '--window', '1m', '--slide', '20s', '--top', String(WINDOW.k), '--out-of-orderness', '5s', '--idle-timeout', '0ms',
  '--parallelism', String(parallelism), '--group-id', groupId, '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-sp-')),
  '--checkpoint-interval', '300ms', '--metrics-port', '0',
];

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
});
