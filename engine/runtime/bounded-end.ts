/**
 * Where a bounded run ends: each source partition's end offset when the member starts, and whether
 * the whole job (every member, in every process) has committed up to those ends and drained every
 * exchange topic after them.
 */
import type { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { taskId, type JobLayout } from './job-topics.js';

export interface InputEnds {
  /** Source task (`<stage>:<partition>`) → its partition's end offset at start: a bounded run reads up to it. */
  ends: Map<string, bigint>;
  /** Source tasks with nothing left to read (empty, or everything expired by retention). */
  empty: Set<string>;
}

/**
 * @example
 * const { ends, empty } = await inputEnds(admin, layout);
 */
export async function inputEnds(admin: KafkaAdmin, layout: JobLayout): Promise<InputEnds> {
  const ends = new Map<string, bigint>();
  const empty = new Set<string>();
  for (const s of layout.stages) {
    if (!s.source) continue;
    for (const o of await admin.offsets(s.topic)) {
      const id = taskId(s.stage.id, o.partition);
      ends.set(id, o.high);
      if (o.low >= o.high) empty.add(id);
    }
  }
  return { ends, empty };
}

/**
 * Bounded: every source partition is committed at its end, then, stage after stage in graph order,
 * every exchange partition is committed at its end (and has had records: at least the upstream
 * tasks' end markers). Read in that order, an exchange's end already holds what the stages before
 * it committed.
 *
 * @example
 * if (await jobFinished(admin, layout, ends)) stop();
 */
export async function jobFinished(admin: KafkaAdmin, layout: JobLayout, ends: Map<string, bigint>): Promise<boolean> {
  for (const s of layout.stages) {
    const committed = await admin.committedOffsets(s.groupId, s.topic);
    if (s.source) {
      for (let p = 0; p < s.partitions; p += 1) {
        const end = ends.get(taskId(s.stage.id, p)) ?? 0n;
        if (end > 0n && (committed.get(p) ?? -1n) < end) return false;
      }
      continue;
    }
    for (const o of await admin.offsets(s.topic)) if (o.high === 0n || (committed.get(o.partition) ?? -1n) < o.high) return false;
  }
  return true;
}
