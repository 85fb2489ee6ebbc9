/**
 * Chaos: the runner (`eddy run`, a child process with one member thread) is killed with SIGKILL at
 * random moments, again and again, and restarted each time with the same state folder. A third of
 * the kills land during start-up (recovery, group join, task restore); the others shortly after the
 * run has committed progress of its own, so the input is worked through in pieces. At the end
 * the `trending` topic, read with read_committed, equals the naive reference exactly: no window
 * missing, none duplicated, every count right. Dead letters are there exactly once too.
 * The same holds for a job of four stages (a union, a repartition, windows, a top-K merge), with
 * half as many kills. EDDY_CHAOS_KILLS sets the number of kills (default 10); EDDY_CHAOS_SEED the
 * randomness.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { createTopics, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { expectExactTrending, produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, startBoundedRun, startContentPopularity } from '../cli/testing/eddy-process.js';
import { committedOn, killRepeatedly } from './testing/kill-repeatedly.js';
import { CATEGORY_JOB } from './testing/category-job.js';
import { categoryJobArgs, expectExactCategoryViews, produceCategoryInput } from './testing/category-fixtures.js';

const KILLS = Number(process.env.EDDY_CHAOS_KILLS ?? 10);
const STAGE_KILLS = Math.max(1, Math.round(KILLS / 2));
describe('exactly-once under kill -9', () => {
  const admin = new KafkaAdmin(testClient());
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it(`survives ${KILLS} SIGKILLs of the runner with exact output`, async () => {
    const input = uniqueName('chaos-in');
    const output = uniqueName('chaos-out');
    await createTopics([{ name: input, partitions: 4 }]);
    // A run reads 100–180k events a second once started (well under a second): kills land in
    // start-up and mid-run alike, and a run gets up to ~200k events further before its kill.
    const produced = await produceWatchEvents(input, 3_600_000, { seed: 5, badFraction: 0.005 });
    const run = { brokers: inject('kafkaBrokers'), input, output, groupId: uniqueName('chaos'), parallelism: Number(process.env.EDDY_CHAOS_PARALLELISM ?? 1), sessionTimeout: '2s', stateDir: mkdtempSync(join(tmpdir(), 'eddy-chaos-')) };
    await killRepeatedly(KILLS, () => startContentPopularity(run), () => committedOn(admin, run.groupId, [input]), produced.length);
    await expectExactTrending(produced, { output, dlq: `${input}-dlq` }, WINDOW);
  }, 600_000);

  it(`survives ${STAGE_KILLS} SIGKILLs of a runner of a job with a repartition, a union and a merge, with exact output`, async () => {
    const topics = { input: uniqueName('chaos-cat-in'), second: uniqueName('chaos-cat-b'), output: uniqueName('chaos-cat-out'), top: uniqueName('chaos-cat-top') };
    await createTopics([{ name: topics.input, partitions: 4 }, { name: topics.second, partitions: 2 }]);
    const produced = await produceCategoryInput(topics.input, topics.second, 300_000, 9);
    const run = { brokers: inject('kafkaBrokers'), groupId: uniqueName('chaos-cat'), parallelism: Number(process.env.EDDY_CHAOS_STAGE_PARALLELISM ?? 2), sessionTimeout: '2s', stateDir: mkdtempSync(join(tmpdir(), 'eddy-chaos-cat-')) };
    // Progress of every stage counts: the exchange group's offsets too (once the first run made its topic).
    const exchange = (): Promise<number> => committedOn(admin, `${run.groupId}-exchange`, [`${run.groupId}-by-category-repartition`]).catch(() => 0);
    const committed = async (): Promise<number> => (await committedOn(admin, run.groupId, [topics.input, topics.second])) + (await exchange());
    await killRepeatedly(STAGE_KILLS, () => startBoundedRun(CATEGORY_JOB, categoryJobArgs(topics), run), committed, 2 * produced.length);
    await expectExactCategoryViews(produced, topics, 60_000);
  }, 600_000);
});
