/**
 * Several processes: three runners (`eddy run`, one member thread each) share the job's consumer
 * group; one is killed with SIGKILL mid-run; its partitions move to the other two, which rebuild the
 * state from the changelog (each process has its own state folder) and finish. The output equals the
 * reference exactly. The same for a job of four stages (a union, a repartition, windows, a top-K merge),
 * whose tasks of every stage move.
 */
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { createTopics, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { expectExactTrending, produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, startBoundedRun, startContentPopularity } from '../cli/testing/eddy-process.js';
import { CATEGORY_JOB } from './testing/category-job.js';
import { categoryJobArgs, expectExactCategoryViews, produceCategoryInput } from './testing/category-fixtures.js';
import { committedOn, killOneOfThree } from './testing/kill-repeatedly.js';

describe('several runner processes', () => {
  const admin = new KafkaAdmin(testClient());
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('keep the output exactly once when one of three is killed and its partitions move', async () => {
    const input = uniqueName('multi-in');
    const output = uniqueName('multi-out');
    await createTopics([{ name: input, partitions: 6 }]);
    const produced = await produceWatchEvents(input, 240_000, { seed: 3, badFraction: 0.005 });
    const groupId = uniqueName('multi');
    // Killed with a fifth of the input committed: all three have joined and work by then.
    await killOneOfThree(() => startContentPopularity({ brokers: inject('kafkaBrokers'), input, output, groupId, parallelism: 1, sessionTimeout: '2s' }), () => committedOn(admin, groupId, [input]), produced.length / 5);
    await expectExactTrending(produced, { output, dlq: `${input}-dlq` }, WINDOW);
  }, 600_000);

  it('keep the output of a job with a repartition, a union and a merge exactly once when one of three is killed', async () => {
    const topics = { input: uniqueName('multi-cat-in'), second: uniqueName('multi-cat-b'), output: uniqueName('multi-cat-out'), top: uniqueName('multi-cat-top') };
    await createTopics([{ name: topics.input, partitions: 6 }, { name: topics.second, partitions: 2 }]);
    const produced = await produceCategoryInput(topics.input, topics.second, 120_000, 4);
    const groupId = uniqueName('multi-cat');
    await killOneOfThree(() => startBoundedRun(CATEGORY_JOB, categoryJobArgs(topics), { brokers: inject('kafkaBrokers'), groupId, parallelism: 1, sessionTimeout: '2s' }), () => committedOn(admin, groupId, [topics.input, topics.second]), produced.length / 5);
    await expectExactCategoryViews(produced, topics, 60_000);
  }, 600_000);
});
