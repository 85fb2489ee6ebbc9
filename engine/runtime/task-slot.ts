/**
 * A member's handle on one of its tasks: the task (possibly still opening), the queue its work runs
 * in, and where its input continues. One queue per task, so a task's batches and commits never
 * overlap, while different tasks' work interleaves.
 */
import type { Task } from './task.js';

export interface TaskSlot {
  task: Promise<Task>;
  queue: Promise<unknown>;
  /** The offset after the last input record the task has taken (undefined: none yet). */
  next: bigint | undefined;
  lastRecordAt: number;
  /** Bounded mode: the task's partition is read to its end. */
  ended: boolean;
}

/**
 * Runs `work` on the slot's task after everything queued before it. Its failure reaches the caller
 * and does not block the work queued after it.
 *
 * @example
 * await runOn(slot, (t) => t.commit(slot.next));
 */
export function runOn<T>(slot: TaskSlot, work: (t: Task) => Promise<T>): Promise<T> {
  const p = slot.queue.then(async () => work(await slot.task));
  slot.queue = p.catch(() => undefined);
  return p;
}
