/**
 * A member's part in a savepoint (protocol.ts `SavepointPhase`, driven by the runner across all
 * members): `pause` holds the input and commits the partition tasks, `merge` lets the merge stage
 * consume every partial and commit, `dump` writes each task's committed state, `resume` lets the
 * input go on.
 */
import type { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { writeEntries, type SavepointTask } from '../checkpoint/savepoint.js';
import type { SavepointPhase, SavepointReply } from './protocol.js';
import type { Task } from './task.js';
import { runOn, type TaskSlot } from './task-slot.js';

/** Closed while a savepoint is taken: input batches wait at it (the consumer is held, nothing is lost). */
export class InputGate {
  #held: { promise: Promise<void>; open: () => void } | undefined;

  close(): void {
    if (this.#held) return;
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.#held = { promise, open };
  }

  open(): void {
    this.#held?.open();
    this.#held = undefined;
  }

  /** Resolves once the gate is open. */
  async passed(): Promise<void> {
    while (this.#held) await this.#held.promise;
  }
}

export interface MemberSavepointParts {
  slots: ReadonlyMap<string, TaskSlot>;
  gate: InputGate;
  admin: KafkaAdmin;
  partialsTopic: string;
  /** The member has failed: the merge phase stops waiting. */
  failed: () => boolean;
  commitAll: (mode: 'partition' | 'merge') => Promise<void>;
  commit: (t: Task, label: string, next: bigint | undefined) => Promise<void>;
}

/**
 * @example
 * opts.onSavepointControl?.(savepointPhases({ slots, gate, admin, partialsTopic, failed: () => !!fatal, commitAll, commit }));
 */
export function savepointPhases(m: MemberSavepointParts): (p: SavepointPhase) => Promise<SavepointReply> {
  return async (p) => {
    const owned = [...m.slots.keys()].map((id) => id.replace(':', '-'));
    if (p.phase === 'pause') {
      m.gate.close();
      // Queued behind whatever batches were already taken: afterwards each partition task is committed.
      await m.commitAll('partition');
    } else if (p.phase === 'merge') {
      const slot = m.slots.get('merge:0');
      if (slot) {
        const [partials] = await m.admin.offsets(m.partialsTopic);
        const end = partials?.high ?? 0n;
        const deadline = Date.now() + 60_000;
        while ((slot.next ?? 0n) < end) {
          if (m.failed() || Date.now() > deadline) throw new Error(`the merge stage did not reach the end of ${m.partialsTopic} (${slot.next ?? 0n} < ${end})`);
          await new Promise((r) => setTimeout(r, 20));
        }
        await runOn(slot, (t) => m.commit(t, 'merge-0', slot.next));
      }
    } else if (p.phase === 'dump') {
      const tasks: SavepointTask[] = [];
      for (const [id, slot] of m.slots) {
        await runOn(slot, async (t) => {
          const { offset, entries } = await t.dump();
          tasks.push(await writeEntries(p.dir, id.replace(':', '-'), offset, entries));
        });
      }
      return { owned, tasks };
    } else {
      m.gate.open();
    }
    return { owned, tasks: [] };
  };
}
