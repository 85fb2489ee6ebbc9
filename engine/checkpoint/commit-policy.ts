/**
 * When a member commits a task: the one policy, as a pure decision (runtime/member.ts asks it at
 * each moment). A commit with nothing new is a no-op (the task says so), so "always" costs little.
 *
 * - at the checkpoint interval (`tick`), before partitions move (`rebalance`), when a bounded
 *   partition ends (`end`) and in a savepoint's phases (`savepoint`): always;
 * - after a batch: only when the task fired windows, or has not yet committed the input its
 *   partition held when it opened (a restore), and it has read all its partition has. Results then
 *   show within milliseconds of the watermark passing (and a recovery is confirmed at once), while a
 *   catch-up commits only at the interval: a transaction per fired window cost 40% of the CPU of a
 *   catch-up.
 */

export type CommitMoment =
  | { kind: 'tick' | 'rebalance' | 'end' | 'savepoint' }
  | { kind: 'batch'; caughtUp: boolean };

/**
 * @example
 * if (commitNow({ kind: 'batch', caughtUp: batch.nextOffset >= batch.highWatermark }, task)) await table.commit(task, id, slot.next);
 */
export function commitNow(moment: CommitMoment, task: { commitDue: boolean }): boolean {
  return moment.kind !== 'batch' || (task.commitDue && moment.caughtUp);
}
