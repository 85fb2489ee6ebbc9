/**
 * Broker fault: the broker is stopped for ~20 s while `eddy run` works through a bounded input, then
 * started again. The runner waits and retries (a failed member restarts with backoff) without
 * exiting, and the output is still exactly the reference. Needs the project's local broker (the
 * test stops and starts it), not one given by KAFKA_BROKERS.
 */
import { describe, expect, inject, it } from 'vitest';
import { createTopics, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { LocalBroker } from '../../deploy/local/local-broker.js';
import { expectExactTrending, produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, startContentPopularity } from '../cli/eddy-process.js';

describe('broker fault', () => {
  it('the runner rides out a 20 s broker outage and the output stays exactly once', async () => {
    const broker = new LocalBroker(undefined, () => undefined);
    const local = broker.status();
    if (!local || local.bootstrap !== inject('kafkaBrokers')) {
      throw new Error('the broker fault test stops and restarts the local broker: run it without KAFKA_BROKERS (the test setup starts the local one)');
    }
    const input = uniqueName('fault-in');
    const output = uniqueName('fault-out');
    await createTopics([{ name: input, partitions: 4 }]);
    const produced = await produceWatchEvents(input, 200_000, { seed: 9 });
    const runner = startContentPopularity({ brokers: local.bootstrap, input, output, groupId: uniqueName('fault'), parallelism: 1, sessionTimeout: '3s' });

    await new Promise((r) => setTimeout(r, 3_000));
    await broker.stop();
    await new Promise((r) => setTimeout(r, 20_000));
    await broker.start({ port: local.port });
    const result = await Promise.race([runner.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 240_000))]);
    if (result === 'timeout') runner.kill();
    expect(result === 'timeout' ? 'timeout' : result.code, result === 'timeout' ? '' : result.stderr).toBe(0);
    await expectExactTrending(produced, { output, dlq: `${input}-dlq` }, WINDOW);
  }, 400_000);
});
