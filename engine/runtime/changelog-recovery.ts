/**
 * How a task's store catches up with its changelog partition: the records after the store's
 * position are applied to it, and the store notes which changelog it now holds (the partition's
 * incarnation marker, state-identity.ts). A partition without a marker (a new or recreated topic,
 * or one an older Eddy wrote) gets one first, in a transaction of its own.
 */
import { randomUUID } from 'node:crypto';
import {
  BUILT_FROM, BuiltFromSchema, CHANGELOG_POSITION, INCARNATION_KEY, IncarnationMarkerSchema, parseStored, type BuiltFrom, type IncarnationMarker,
} from '../state/state-identity.js';
import type { Logger } from '../log/logger.js';
import type { TransactionalState } from '../state/transactional-state.js';
import { FatalJobError } from './member-failure.js';
import type { PartitionLog, TransactionalOutput } from './task-ports.js';

export interface ChangelogRecovery {
  state: TransactionalState;
  /** The task's transactional producer (it has fenced older owners already). */
  sink: TransactionalOutput;
  partitions: PartitionLog;
  changelog: string;
  partition: number;
  /** The changelog partition's end as the fence left it (task-fence.ts): nothing more comes from others. */
  changelogEnd: bigint;
  group: string;
  fingerprint: string;
  /** The task's logger. */
  logger: Logger;
}

/**
 * @example
 * await recoverFromChangelog({ state, sink, partitions: ports.partitions, changelog: 'g-changelog', partition: 3, changelogEnd, group: 'g', fingerprint, logger });
 */
export async function recoverFromChangelog(r: ChangelogRecovery): Promise<void> {
  const local = await r.state.meta(CHANGELOG_POSITION);
  const from = local === undefined ? 0n : BigInt(local);
  // A store that was kept names its marker already (local-state.ts checked it is still there).
  let builtFrom = parseStored(BuiltFromSchema, await r.state.meta(BUILT_FROM));
  // A store that is up to date (a restart on kept state) reads nothing: no reader is connected.
  const { end, records } = from >= r.changelogEnd ? { end: r.changelogEnd, records: 0 } : await r.partitions.read(r.changelog, r.partition, from, async (recs) => {
    const entries = recs.filter((rec) => rec.key !== null && !rec.key.equals(INCARNATION_KEY));
    for (const rec of recs) {
      const marker = rec.key?.equals(INCARNATION_KEY) ? parseStored(IncarnationMarkerSchema, rec.value) : undefined;
      if (marker?.fingerprint !== undefined && marker.fingerprint !== r.fingerprint) throw otherGraph(r);
      if (marker) builtFrom ??= builtFromOf(r, marker.id, BigInt(rec.offset));
    }
    await r.state.base.write({
      puts: entries.filter((rec) => rec.value !== null).map((rec) => [rec.key!, rec.value!] as const),
      deletes: entries.filter((rec) => rec.value === null).map((rec) => rec.key!),
    });
  });
  let position = end > from ? end : from;
  if (!builtFrom) ({ builtFrom, position } = await writeMarker(r));
  await r.state.apply({ [CHANGELOG_POSITION]: position.toString(), [BUILT_FROM]: JSON.stringify(builtFrom) });
  if (records > 0) r.logger.info(`replayed ${records} changelog records (${from}..${end})`);
}

/** Marks the changelog partition, in a transaction of its own, before anything else goes to it. */
async function writeMarker(r: ChangelogRecovery): Promise<{ builtFrom: BuiltFrom; position: bigint }> {
  const marker: IncarnationMarker = { id: randomUUID(), group: r.group, createdAt: Date.now(), fingerprint: r.fingerprint };
  await r.sink.begin();
  await r.sink.send(r.changelog, [{ key: INCARNATION_KEY, value: JSON.stringify(marker), partition: r.partition }]);
  await r.sink.commit();
  const after = r.sink.nextOffset(r.changelog, r.partition);
  if (after === undefined) throw new Error(`the broker did not say where the incarnation marker of ${r.changelog} went`);
  r.logger.info(`marked ${r.changelog} partition ${r.partition} as incarnation ${marker.id}`);
  // The transaction's commit marker takes the offset after the record.
  return { builtFrom: builtFromOf(r, marker.id, after - 1n), position: after + 1n };
}

function builtFromOf(r: ChangelogRecovery, incarnation: string, markerOffset: bigint): BuiltFrom {
  return { incarnation, markerOffset: markerOffset.toString(), group: r.group, fingerprint: r.fingerprint };
}

/**
 * The group's state was written by another job graph (other operators or settings): replayed into
 * this one it would be read wrongly (slices of another window size, say), so the job stops instead.
 */
function otherGraph(r: ChangelogRecovery): FatalJobError {
  return new FatalJobError(
    `${r.changelog}, partition ${r.partition}, holds the state of a different job graph (other operators or settings, e.g. --window, --slide, --top, --out-of-orderness): ` +
      'this graph cannot use it; run it under a new --group-id (a new group reads its input from the start), or run the graph the state belongs to',
  );
}
