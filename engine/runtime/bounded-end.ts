/**
 * Where a bounded run ends: each input partition's end offset when the member starts, and whether
 * the whole job (every member, in every process) has committed up to those ends.
 */
import type { KafkaAdmin } from '../../connectors/kafka/admin.js';

export interface InputEnds {
  /** Partition → its end offset at start: a bounded run reads up to it. */
  ends: Map<number, bigint>;
  /** Partitions with nothing left to read (empty, or everything expired by retention). */
  empty: Set<number>;
}

/**
 * @example
 * const { ends, empty } = await inputEnds(admin, 'watch-events');
 */
export async function inputEnds(admin: KafkaAdmin, input: string): Promise<InputEnds> {
  const offsets = await admin.offsets(input);
  return {
    ends: new Map(offsets.map((o) => [o.partition, o.high])),
    empty: new Set(offsets.filter((o) => o.low >= o.high).map((o) => o.partition)),
  };
}

/**
 * Bounded: every input partition is committed at its end, and the merge stage (when the job has
 * `partials`) has committed everything.
 *
 * @example
 * if (await jobFinished(admin, 'content-popularity', 'watch-events', ends, 'content-popularity-partials')) stop();
 */
export async function jobFinished(admin: KafkaAdmin, groupId: string, input: string, ends: Map<number, bigint>, partials: string | undefined): Promise<boolean> {
  const committed = await admin.committedOffsets(groupId, input);
  for (const [p, end] of ends) if (end > 0n && (committed.get(p) ?? -1n) < end) return false;
  if (!partials) return true;
  const [high] = await admin.offsets(partials);
  const merged = (await admin.committedOffsets(`${groupId}-merge`, partials)).get(0) ?? -1n;
  return merged >= (high?.high ?? 0n) && (high?.high ?? 0n) > 0n;
}
