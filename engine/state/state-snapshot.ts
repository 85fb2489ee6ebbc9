/**
 * Portable state snapshots: every entry of some key groups, as plain data. A snapshot taken at one
 * parallelism restores at any other, because entries are placed by the key group in their key.
 */
import { keyGroupOfStateKey, keyGroupPrefixRange } from './key-codec.js';
import { subtaskOfKeyGroup } from './key-groups.js';
import type { StateBackend } from './state-backend.js';

/** Entries as base64 pairs (JSON-safe). */
export type SnapshotEntries = [string, string][];

/** Reads every entry of key groups `start..end` (inclusive). */
export async function dumpKeyGroups(backend: StateBackend, start: number, end: number): Promise<SnapshotEntries> {
  const out: SnapshotEntries = [];
  for await (const [k, v] of backend.scan(keyGroupPrefixRange(start, end))) out.push([k.toString('base64'), v.toString('base64')]);
  return out;
}

/** Writes entries into the backends of `backends.length` tasks, each entry to the owner of its key group. */
export async function loadEntries(backends: readonly StateBackend[], entries: SnapshotEntries, maxParallelism: number): Promise<void> {
  const batches = backends.map(() => [] as [Buffer, Buffer][]);
  for (const [k64, v64] of entries) {
    const key = Buffer.from(k64, 'base64');
    const owner = subtaskOfKeyGroup(keyGroupOfStateKey(key), backends.length, maxParallelism);
    batches[owner]!.push([key, Buffer.from(v64, 'base64')]);
  }
  await Promise.all(backends.map((b, i) => (batches[i]!.length > 0 ? b.write({ puts: batches[i]!, deletes: [] }) : undefined)));
}
