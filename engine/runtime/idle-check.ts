/**
 * When a source task is idle (its watermark marker then says so, task-clock.ts, and the tasks
 * downstream leave it out of their minimum): it has taken no records for its stage's idle timeout
 * AND its partition holds nothing past the task's position. The time alone is not enough: a member
 * busy with other partitions (windows of a million keys firing at once) can leave a partition's
 * records unread for longer than the timeout, and a merge that left that partition out would fire
 * its windows without its part.
 */
import type { PartitionOffsets } from '../../connectors/kafka/admin.js';

/** What the check needs of a member's slot. */
export interface IdleCandidate {
  stage: { topic: string; idleTimeoutMs: number };
  partition: number;
  /** The offset after the last record the task has taken (undefined: none yet, it reads from the start). */
  next: bigint | undefined;
  lastRecordAt: number;
}

/**
 * A check for one tick of a member: each topic's ends are asked of the broker at most once, and only
 * when some partition of it has been quiet for its timeout. When the broker does not answer, the
 * partition is not idle: holding the watermark back delays results, leaving a partition out can
 * make them wrong.
 *
 * @example
 * const idle = idleCheck((topic) => admin.offsets(topic));
 * const quiet = await idle(slot, Date.now());
 */
export function idleCheck(ends: (topic: string) => Promise<readonly PartitionOffsets[]>): (slot: IdleCandidate, now: number) => Promise<boolean> {
  const asked = new Map<string, Promise<readonly PartitionOffsets[] | undefined>>();
  return async (slot, now) => {
    const { topic, idleTimeoutMs } = slot.stage;
    if (idleTimeoutMs <= 0 || now - slot.lastRecordAt < idleTimeoutMs) return false;
    let offsets = asked.get(topic);
    if (!offsets) asked.set(topic, (offsets = ends(topic).catch(() => undefined)));
    const at = (await offsets)?.find((o) => o.partition === slot.partition);
    if (!at) return false;
    return (slot.next ?? at.low) >= at.high;
  };
}
