/**
 * Broker fault: the broker is stopped for ~20 s while `eddy run` works through a bounded input, then
 * started again. The runner waits and retries (a failed member restarts with backoff) without
 * exiting, and the output is still exactly the reference. The test runs a broker of its own (a
 * second local broker on free ports), so stopping it disturbs no other test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopics, uniqueName, useBroker } from '../../connectors/kafka/testing/fixtures.js';
import { LocalBroker, brokerPaths } from '../../deploy/local/local-broker.js';
import { brokerLogDigest, freeBrokerPort } from '../../deploy/local/testing/fresh-broker.js';
import { expectExactTrending, produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, startContentPopularity } from '../cli/testing/eddy-process.js';
import { logDigest } from '../log/testing/log-capture.js';

// Its own data and log; the jars of the usual local broker.
const home = mkdtempSync(join(tmpdir(), 'eddy-fault-home-'));
const broker = new LocalBroker({ ...brokerPaths(home), lib: brokerPaths().lib }, () => undefined);
afterAll(async () => {
  useBroker(undefined);
  await broker.stop().catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

describe('broker fault', () => {
  it('the runner rides out a 20 s broker outage and the output stays exactly once', async () => {
    const port = await freeBrokerPort();
    const { bootstrap } = await broker.start({ port, fresh: true });
    useBroker(bootstrap);
    const input = uniqueName('fault-in');
    const output = uniqueName('fault-out');
    await createTopics([{ name: input, partitions: 4 }]);
    const produced = await produceWatchEvents(input, 200_000, { seed: 9 });
    const runner = startContentPopularity({ brokers: bootstrap, input, output, groupId: uniqueName('fault'), parallelism: 2, sessionTimeout: '3s' });

    await new Promise((r) => setTimeout(r, 3_000));
    await broker.stop();
    await new Promise((r) => setTimeout(r, 20_000));
    await broker.start({ port });
    const result = await Promise.race([runner.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 240_000))]);
    if (result === 'timeout') runner.kill();
    const ended = result === 'timeout' ? await runner.exited : result;
    // What the runner and the broker were doing, should it not have finished.
    const diagnosis = `the runner:\n${logDigest(runner.stderr())}\nthe broker: ${brokerLogDigest(brokerPaths(home).log)}`;
    expect(result === 'timeout' ? 'timeout' : ended.code, diagnosis).toBe(0);
    await expectExactTrending(produced, { output, dlq: `${input}-dlq` }, WINDOW);
  }, 400_000);
});
