/**
 * What a task's local store was built from, and whether it may be used as it is. A store is a cache
 * of the task's changelog partition, so it is only good next to that very changelog: a broker started
 * afresh, a recreated topic, another group or another job graph make it stale, and a task that kept
 * it would resume with the old watermark (everything late) or double counts.
 *
 * kafkajs sees no topic ids and the local broker's cluster id is fixed, so Eddy marks each changelog
 * partition itself: before anything else, the first owner writes an incarnation marker (a random id)
 * to it, and the store notes that id with the marker's offset. At open, the record at that offset
 * must still be that marker. The store's input offset is not compared with the group's: the state
 * in the changelog carries the offset it was committed with (one transaction), and the input resumes
 * there ({@link resumePoint}), as Flink takes offsets from its checkpoints.
 */
import * as z from 'zod';
import { metaKey } from './transactional-state.js';

/** The key of the incarnation marker in a changelog partition. It is not state: replays skip it. */
export const INCARNATION_KEY = metaKey('incarnation');

/** Local-only meta entry names (written by `TransactionalState.apply`): never in a changelog or savepoint. */
export const CHANGELOG_POSITION = 'changelog';
export const BUILT_FROM = 'identity';
const LOCAL_ONLY_KEYS: readonly Buffer[] = [metaKey(CHANGELOG_POSITION), metaKey(BUILT_FROM)];

/** A local-only meta entry's key: what neither a changelog nor a savepoint carries. */
export function isLocalOnly(key: Buffer): boolean {
  return LOCAL_ONLY_KEYS.some((l) => l.equals(key));
}

/** The value of an incarnation marker. */
export const IncarnationMarkerSchema = z.strictObject({
  id: z.uuid(),
  group: z.string(),
  createdAt: z.number().int(),
  /** The job graph whose state the partition holds (graphFingerprint); absent in older markers. */
  fingerprint: z.string().optional(),
});
export type IncarnationMarker = z.infer<typeof IncarnationMarkerSchema>;

/** What a store was built from (its `identity` meta entry). */
export const BuiltFromSchema = z.strictObject({
  incarnation: z.uuid(),
  /** Where the incarnation marker is in the changelog partition. */
  markerOffset: z.string().regex(/^\d+$/),
  group: z.string(),
  fingerprint: z.string(),
});
export type BuiltFrom = z.infer<typeof BuiltFromSchema>;

/** Parses a stored JSON value; undefined when absent or not of the schema (a store that says nothing). */
export function parseStored<T>(schema: z.ZodType<T>, value: Buffer | string | undefined | null): T | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(value.toString()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface LocalStore {
  /** The store holds nothing (a new folder; the memory backend). */
  empty: boolean;
  builtFrom: BuiltFrom | undefined;
  /** The next changelog offset the store has applied. */
  changelogPosition: bigint | undefined;
}

export interface TaskNow {
  group: string;
  fingerprint: string;
  /** The changelog partition's end offset, read after the task fenced its predecessor. */
  changelogEnd: bigint;
  /** The id of the incarnation marker at `builtFrom.markerOffset` in the changelog (undefined: none there). */
  markerThere: string | undefined;
  /** A savepoint about to be restored (its folder): it replaces whatever state there is. */
  savepoint: string | undefined;
}

export type StateDecision = { keep: true } | { keep: false; why: string };

/**
 * Whether a task may use its local store as it is, or must wipe it and rebuild from the changelog.
 *
 * @example
 * checkStateIdentity({ empty: false, builtFrom, changelogPosition: 120n }, { group: 'cp', fingerprint, changelogEnd: 0n, markerThere: undefined, savepoint: undefined });
 * // { keep: false, why: 'the changelog is not the one local state was built from …' }
 */
export function checkStateIdentity(local: LocalStore, now: TaskNow): StateDecision {
  if (local.empty) return { keep: true };
  if (now.savepoint !== undefined) return { keep: false, why: `restoring savepoint ${now.savepoint} into an empty store` };
  const built = local.builtFrom;
  if (!built) return { keep: false, why: 'local state does not say what it was built from (an older Eddy wrote it)' };
  if (built.group !== now.group) return { keep: false, why: `local state belongs to group ${built.group}, not ${now.group}` };
  if (built.fingerprint !== now.fingerprint) return { keep: false, why: 'local state was built by another job graph (other operators or settings)' };
  if (now.markerThere !== built.incarnation) {
    const there = now.markerThere === undefined ? `it has no incarnation marker at offset ${built.markerOffset}` : `its marker at offset ${built.markerOffset} is ${now.markerThere}, not ${built.incarnation}`;
    return { keep: false, why: `the changelog is not the one local state was built from (a new broker or a recreated topic): ${there}` };
  }
  const position = local.changelogPosition ?? 0n;
  if (position > now.changelogEnd) return { keep: false, why: `local state is ahead of the changelog (applied up to offset ${position}, the changelog ends at ${now.changelogEnd})` };
  return { keep: true };
}

export type ResumePoint = { offset: bigint | undefined; why?: string } | { error: string };

/**
 * Where a task's input resumes, given the group's committed offset and the offset its state (as
 * rebuilt from the changelog) was committed with. Both commit in one transaction, so they agree
 * unless the group's offsets are gone (expired, group deleted) or were reset by hand: then the
 * state's wins, since resuming anywhere else counts records twice or never.
 *
 * @example
 * resumePoint({ committed: undefined, recorded: 5000n, inputEnd: 9000n }); // { offset: 5000n, why: 'the group has no committed offset …' }
 */
export function resumePoint(o: { committed: bigint | undefined; recorded: bigint | undefined; inputEnd: bigint; input: string }): ResumePoint {
  const { committed, recorded, inputEnd, input } = o;
  // State committed by an older Eddy, or no state: the group's offset is all there is.
  if (recorded === undefined) return { offset: committed };
  if (recorded > inputEnd) {
    return { error: `its state was committed at offset ${recorded} of ${input}, which ends at ${inputEnd}: the input was recreated, and this state cannot continue on it (start over with a new --group-id)` };
  }
  if (committed === recorded) return { offset: recorded };
  if (committed === undefined) return { offset: recorded, why: `the group has no committed offset (expired or deleted): resuming at offset ${recorded}, where the state in the changelog was committed` };
  return { offset: recorded, why: `the group's committed offset ${committed} is not the ${recorded} the state was committed with (reset by hand?): resuming at ${recorded}, where the state is` };
}
