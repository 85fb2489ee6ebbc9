/**
 * Chaos: the runner (`eddy run`, a child process with one member thread) is killed with SIGKILL at
 * random moments, again and again, and restarted each time with the same state folder. A third of
 * the kills land during start-up (recovery, group join, task restore); the others shortly after the
 * run has committed progress of its own, so the input is worked through in pieces. At the end
 * the `trending` topic, read with read_committed, equals the naive reference exactly: no window
 * missing, none duplicated, every count right. Dead letters are there exactly once too.
 * EDDY_CHAOS_KILLS sets the number of kills (default 10); EDDY_CHAOS_SEED the randomness.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { createTopics, testClient, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { expectExactTrending, produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, startContentPopularity } from '../cli/eddy-process.js';

const KILLS = Number(process.env.EDDY_CHAOS_KILLS ?? 10);
let seed = Number(process.env.EDDY_CHAOS_SEED ?? 7);
const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

describe('exactly-once under kill -9', () => {
  it(`survives ${KILLS} SIGKILLs of the runner with exact output`, async () => {
    const input = uniqueName('chaos-in');
    const output = uniqueName('chaos-out');
    await createTopics([{ name: input, partitions: 4 }]);
    // A run reads ~100k events a second once started (~1.2 s): kills land in start-up and mid-run alike.
    const produced = await produceWatchEvents(input, 1_000_000, { seed: 5, badFraction: 0.005 });
    const run = { brokers: inject('kafkaBrokers'), input, output, groupId: uniqueName('chaos'), parallelism: Number(process.env.EDDY_CHAOS_PARALLELISM ?? 1), sessionTimeout: '2s', stateDir: mkdtempSync(join(tmpdir(), 'eddy-chaos-')) };

    const admin = new KafkaAdmin(testClient());
    await admin.connect();
    const committed = async (): Promise<number> => [...(await admin.committedOffsets(run.groupId, input)).values()].reduce((n, o) => n + (o > 0n ? Number(o) : 0), 0);
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    let kills = 0;
    let finishedEarly = false;
    let resumedFrom = 0;
    try {
      while (kills < KILLS) {
        const p = startContentPopularity(run);
        let exited = false;
        void p.exited.then(() => (exited = true));
        if (random() < 1 / 3) await sleep(300 + random() * 1_500);
        else {
          const before = await committed();
          while (!exited && (await committed()) <= before) await sleep(50);
          await sleep(random() * 700);
        }
        p.kill();
        const r = await p.exited;
        if (r.signal === 'SIGKILL') kills += 1;
        else {
          expect(r.code, r.stderr).toBe(0);
          finishedEarly = true;
          break;
        }
      }
      // The killed runs made progress that later runs resumed from (else this proves nothing).
      resumedFrom = await committed();
    } finally {
      await admin.disconnect();
    }
    expect(resumedFrom).toBeGreaterThan(0);
    expect(kills, 'the job finished before it could be killed often enough: give it more input').toBe(KILLS);
    if (!finishedEarly) {
      expect(resumedFrom).toBeLessThan(produced.length);
      const last = await startContentPopularity(run).exited;
      expect(last.code, last.stderr).toBe(0);
    }
    await expectExactTrending(produced, { output, dlq: `${input}-dlq` }, WINDOW);
  }, 600_000);
});
