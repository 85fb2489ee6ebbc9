/**
 * A member's part in a savepoint (protocol.ts `SavepointPhase`, driven by the runner across all
 * members): `pause` holds the input and commits the source stages' tasks, `drain` (once per exchange
 * stage, in graph order) lets that stage's tasks consume everything the stages before it committed
 * and commit, `dump` writes each task's committed state, `resume` lets the input go on.
 */
import type { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { writeEntries, type SavepointTask } from '../checkpoint/savepoint.js';
import type { SavepointPhase, SavepointReply } from './protocol.js';
import { runOn } from './task-slot.js';
import type { TaskTable } from './task-table.js';

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
  table: TaskTable;
  gate: InputGate;
  admin: KafkaAdmin;
  /** The member has failed: the drain phase stops waiting. */
  failed: () => boolean;
}

const DRAIN_TIMEOUT_MS = 60_000;

/**
 * @example
 * opts.onSavepointControl?.(savepointPhases({ table, gate, admin, failed: () => !!fatal }));
 */
export function savepointPhases(m: MemberSavepointParts): (p: SavepointPhase) => Promise<SavepointReply> {
  return async (p) => {
    const owned = [...m.table.slots.keys()];
    if (p.phase === 'pause') {
      m.gate.close();
      // Queued behind whatever batches were already taken: afterwards each source task is committed.
      await m.table.commitAll((s) => s.stage.source !== undefined);
    } else if (p.phase === 'drain') {
      for (const [id, slot] of m.table.slots) {
        if (slot.stage.stage.id !== p.stage) continue;
        const end = (await m.admin.offsets(slot.stage.topic)).find((o) => o.partition === slot.partition)?.high ?? 0n;
        const deadline = Date.now() + DRAIN_TIMEOUT_MS;
        while ((slot.next ?? 0n) < end) {
          if (m.failed() || Date.now() > deadline) throw new Error(`task ${id} did not reach the end of ${slot.stage.topic} partition ${slot.partition} (${slot.next ?? 0n} < ${end})`);
          await new Promise((r) => setTimeout(r, 20));
        }
        await runOn(slot, (t) => m.table.commit(t, id, slot.next));
      }
    } else if (p.phase === 'dump') {
      const tasks: SavepointTask[] = [];
      for (const [id, slot] of m.table.slots) {
        await runOn(slot, async (t) => {
          const { offset, entries } = await t.dump();
          tasks.push(await writeEntries(p.dir, id, offset, entries));
        });
      }
      return { owned, tasks };
    } else {
      m.gate.open();
    }
    return { owned, tasks: [] };
  };
}
