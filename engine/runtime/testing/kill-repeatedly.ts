/**
 * Chaos for integration tests: runs of a job (an `eddy run` child) killed with SIGKILL at random
 * moments, a third during start-up and the others shortly after they committed progress of their
 * own, so the input is worked through in pieces. EDDY_CHAOS_SEED sets the randomness.
 */
import { expect } from 'vitest';
import type { KafkaAdmin } from '../../../connectors/kafka/admin.js';
import type { EddyProcess } from '../../cli/testing/eddy-process.js';

let seed = Number(process.env.EDDY_CHAOS_SEED ?? 7);
const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

/**
 * Kills runs of `start()` at random moments until `kills` have landed (or a run finishes), then
 * lets one run finish. The killed runs must have committed progress (by `committed()`) later runs resumed from.
 */
export async function killRepeatedly(kills: number, start: () => EddyProcess, committed: () => Promise<number>, total: number): Promise<void> {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  let landed = 0;
  let finishedEarly = false;
  while (landed < kills) {
    const p = start();
    let exited = false;
    void p.exited.then(() => (exited = true));
    // Start-up (evicting the killed members, joining, restoring) takes well under a second now.
    if (random() < 1 / 3) await sleep(300 + random() * 700);
    else {
      const before = await committed();
      while (!exited && (await committed()) <= before) await sleep(50);
      // A run reads up to ~180k events a second: a longer wait would let one run take the rest.
      await sleep(random() * 200);
    }
    p.kill();
    const r = await p.exited;
    if (r.signal === 'SIGKILL') landed += 1;
    else {
      expect(r.code, r.stderr).toBe(0);
      finishedEarly = true;
      break;
    }
  }
  // The killed runs made progress that later runs resumed from (else this proves nothing).
  const resumedFrom = await committed();
  expect(resumedFrom).toBeGreaterThan(0);
  expect(landed, 'the job finished before it could be killed often enough: give it more input').toBe(kills);
  if (!finishedEarly) {
    expect(resumedFrom).toBeLessThan(total);
    const last = await start().exited;
    expect(last.code, last.stderr).toBe(0);
  }
}

/** Records committed by `groupId` on `topics`, summed. */
export async function committedOn(admin: KafkaAdmin, groupId: string, topics: readonly string[]): Promise<number> {
  let n = 0;
  for (const t of topics) for (const o of (await admin.committedOffsets(groupId, t)).values()) n += o > 0n ? Number(o) : 0;
  return n;
}

/**
 * Three runs of a job side by side (one group, each its own state folder): the second is killed
 * with SIGKILL once `committed()` reaches `killAt` (mid-run, whatever the machine's speed), the
 * other two must finish (exit 0) with its partitions.
 */
export async function killOneOfThree(start: () => EddyProcess, committed: () => Promise<number>, killAt: number): Promise<void> {
  const runners = [0, 1, 2].map(() => start());
  const exited = Promise.race(runners.map((r) => r.exited));
  let ended = false;
  void exited.then(() => (ended = true));
  while (!ended && (await committed()) < killAt) await new Promise((r) => setTimeout(r, 50));
  runners[1]!.kill();
  const results = await Promise.all(runners.map((r) => r.exited));
  expect(results[1]!.signal).toBe('SIGKILL');
  for (const i of [0, 2]) expect(results[i]!.code, results[i]!.stderr).toBe(0);
}
