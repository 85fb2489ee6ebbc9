/**
 * A task's local store: opening its RocksDB folder, and checking that what it holds was built from
 * the changelog, group and job graph the task has now (engine/state/state-identity.ts has the rules).
 * A stale store is wiped, so the task rebuilds it from the changelog (or a savepoint).
 */
import { rmSync } from 'node:fs';
import { MemoryStateBackend } from '../state/memory-backend.js';
import { RocksDbStateBackend } from '../state/rocksdb-backend.js';
import type { StateBackend } from '../state/state-backend.js';
import {
  BUILT_FROM, BuiltFromSchema, CHANGELOG_POSITION, INCARNATION_KEY, IncarnationMarkerSchema, checkStateIdentity, parseStored, type LocalStore, type TaskNow,
} from '../state/state-identity.js';
import { metaKey } from '../state/transactional-state.js';
import { ALL_STATE_KEYS } from '../state/key-codec.js';
import type { PartitionLog } from './task-ports.js';


/**
 * Opens a task's RocksDB folder. When the task just moved from another member thread of this
 * process, that thread may still be closing it (RocksDB allows one open per process): wait for it
 * rather than fail this member, which would only start another rebalance.
 *
 * @example
 * const store = await openLocalState('/home/me/.eddy/state/cp/partition-watch-events-3');
 */
export async function openLocalState(dir: string, waitMs = 60_000): Promise<RocksDbStateBackend> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await RocksDbStateBackend.open(dir);
    } catch (e) {
      if (!/lock hold by current process/.test((e as Error).message) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface LocalStateCheck extends Omit<TaskNow, 'markerThere'> {
  /** The task's folder; undefined for the memory backend. */
  dir: string | undefined;
  partitions: PartitionLog;
  changelog: { topic: string; partition: number };
}

/** What a task's store holds, and the id of the marker at the changelog offset it names (being read). */
export interface LocalStateLook {
  local: LocalStore;
  /** Undefined when the store names no marker (empty, or built before markers). */
  marker: Promise<string | undefined> | undefined;
}

/**
 * Reads what a task's store holds and starts reading the incarnation marker it was built from. The
 * marker was committed long before, so the read needs no fence: the task fences meanwhile (a
 * restart's two slowest steps overlap) and then calls {@link verifiedLocalState} with the look.
 *
 * @example
 * const look = await lookAtLocalState(store, { partitions: ports.partitions, changelog: { topic: 'cp-changelog', partition: 3 } });
 */
export async function lookAtLocalState(store: StateBackend, at: Pick<LocalStateCheck, 'partitions' | 'changelog'>): Promise<LocalStateLook> {
  const local = await describeStore(store);
  const { builtFrom } = local;
  // Read only when the marker can decide (an empty store is rebuilt anyway).
  const marker = builtFrom && !local.empty ? markerAt(at, BigInt(builtFrom.markerOffset)) : undefined;
  // Awaited by verifiedLocalState; a task whose fence fails first never asks, and that is no error.
  marker?.catch(() => undefined);
  return { local, marker };
}

/**
 * Checks a task's store and returns the store to use: the same one, or, when it is stale, the same
 * folder wiped and reopened empty (with why). Call it after the task has fenced its predecessor,
 * so that the changelog end in `check` is final; `look` is {@link lookAtLocalState}'s, taken while
 * the task fenced.
 *
 * @example
 * const { store, wiped } = await verifiedLocalState(store, { dir, partitions: ports.partitions, changelog: { topic: 'cp-changelog', partition: 3 }, group: 'cp', fingerprint, changelogEnd, savepoint: undefined }, look);
 * if (wiped) log(`${wiped}: rebuilding from the changelog`);
 */
export async function verifiedLocalState(store: StateBackend, check: LocalStateCheck, look: LocalStateLook): Promise<{ store: StateBackend; wiped?: string }> {
  const { local, marker } = look;
  // A marker at or past the end (as the fence left it) is not there: the partition was recreated.
  const offset = local.builtFrom ? BigInt(local.builtFrom.markerOffset) : undefined;
  const markerThere = marker && offset !== undefined && offset < check.changelogEnd && check.savepoint === undefined ? await marker : undefined;
  const decision = checkStateIdentity(local, { ...check, markerThere });
  if (decision.keep) return { store };
  await store.close();
  if (check.dir === undefined) return { store: new MemoryStateBackend(), wiped: decision.why };
  rmSync(check.dir, { recursive: true, force: true });
  return { store: await openLocalState(check.dir), wiped: decision.why };
}

async function describeStore(store: StateBackend): Promise<LocalStore> {
  const [builtFrom, position] = await store.getMany([metaKey(BUILT_FROM), metaKey(CHANGELOG_POSITION)]);
  let empty = true;
  for await (const _ of store.scan(ALL_STATE_KEYS)) {
    empty = false;
    break;
  }
  return { empty, builtFrom: parseStored(BuiltFromSchema, builtFrom), changelogPosition: position === undefined ? undefined : BigInt(position.toString()) };
}

/** The id of the incarnation marker at `offset` of the changelog partition, if that is what is there. */
async function markerAt(check: Pick<LocalStateCheck, 'partitions' | 'changelog'>, offset: bigint): Promise<string | undefined> {
  const record = await check.partitions.recordAt(check.changelog.topic, check.changelog.partition, offset);
  if (!record || BigInt(record.offset) !== offset || record.key?.equals(INCARNATION_KEY) !== true) return undefined;
  return parseStored(IncarnationMarkerSchema, record.value)?.id;
}
