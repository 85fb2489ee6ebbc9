/**
 * Savepoints: a portable copy of a job's committed state, one file per task (a stage's partition)
 * plus a manifest with the input offsets. A savepoint restores at any parallelism, because tasks, not
 * threads, own state: threads just host tasks. The manifest names the job graph's fingerprint, so a
 * savepoint of a different graph (other window, other operators) is refused.
 *
 * Entry files are `u32 key length, key, u32 value length, value` repeated, big-endian.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { JobGraph } from '../graph/job-graph.js';
import type { StateBackend } from '../state/state-backend.js';
import { isLocalOnly } from '../state/state-identity.js';
import type { TransactionalState } from '../state/transactional-state.js';
import { ALL_STATE_KEYS } from '../state/key-codec.js';

/** 2: tasks of stages (`<stage>:<partition>`); format 1 had partition and merge tasks. */
export const SAVEPOINT_FORMAT = 2;

/** A task's entry in the manifest. */
export const SavepointTaskSchema = z.strictObject({
  /** `<stage>:<partition>`. */
  task: z.string().regex(/^[a-zA-Z0-9._-]{1,64}:\d+$/),
  file: z.string().regex(/^[a-zA-Z0-9._-]{1,64}@\d+\.state$/),
  /** The input offset to resume from (null: an exchange stage, which starts its new topic at 0). */
  offset: z.string().regex(/^\d+$/).nullable(),
  entries: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

export const SavepointManifestSchema = z.strictObject({
  format: z.literal(SAVEPOINT_FORMAT),
  job: z.string(),
  fingerprint: z.string(),
  /** Each stage's input topic (a source's, or an exchange's under the group the savepoint was taken in) and its partitions. */
  stages: z.array(z.strictObject({ id: z.string(), topic: z.string(), partitions: z.number().int().positive() })),
  createdAt: z.number().int(),
  tasks: z.array(SavepointTaskSchema),
});

export type SavepointManifest = z.infer<typeof SavepointManifestSchema>;
export type SavepointTask = z.infer<typeof SavepointTaskSchema>;

/**
 * Identifies a job graph as far as state and offsets are concerned: the same operators in the same
 * order with the same settings, the same input topic and key-group count. Output topics may change.
 */
export function graphFingerprint(graph: JobGraph): string {
  const nodes = graph.nodes.map((n) => {
    if (n.kind === 'sink') return { ...n, config: { ...n.config, topic: '' } };
    if (n.kind === 'source') return { ...n, config: { ...n.config, deadLetterTopic: '' } };
    return n;
  });
  // What happens to failing records is not state: a job may change its policy and keep its savepoints.
  const { userCode: _policy, ...rest } = graph;
  return createHash('sha256').update(JSON.stringify({ ...rest, nodes })).digest('hex').slice(0, 32);
}

/** Writes entries to `dir/<task>.state`; returns what the manifest lists for them. */
export async function writeEntries(dir: string, task: string, offset: bigint | undefined, entries: readonly (readonly [Buffer, Buffer])[]): Promise<SavepointTask> {
  await mkdir(dir, { recursive: true });
  const parts: Buffer[] = [];
  let bytes = 0;
  for (const [k, v] of entries) {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(k.length);
    const mid = Buffer.alloc(4);
    mid.writeUInt32BE(v.length);
    parts.push(head, k, mid, v);
    bytes += 8 + k.length + v.length;
  }
  const file = `${task.replace(':', '@')}.state`;
  // Written aside and renamed: a crash never leaves a half file under the final name.
  await writeFile(join(dir, `${file}.tmp`), Buffer.concat(parts, bytes));
  await rename(join(dir, `${file}.tmp`), join(dir, file));
  return { task, file, offset: offset === undefined ? null : offset.toString(), entries: entries.length, bytes };
}

export async function readEntries(dir: string, task: SavepointTask): Promise<[Buffer, Buffer][]> {
  const data = await readFile(join(dir, task.file));
  const out: [Buffer, Buffer][] = [];
  for (let at = 0; at < data.length; ) {
    const kl = data.readUInt32BE(at);
    const key = data.subarray(at + 4, at + 4 + kl);
    const vl = data.readUInt32BE(at + 4 + kl);
    out.push([Buffer.from(key), Buffer.from(data.subarray(at + 8 + kl, at + 8 + kl + vl))]);
    at += 8 + kl + vl;
  }
  if (out.length !== task.entries) throw new Error(`savepoint file ${task.file} holds ${out.length} entries, the manifest says ${task.entries}: the savepoint is damaged`);
  return out;
}

export async function writeManifest(dir: string, manifest: SavepointManifest): Promise<void> {
  await writeFile(join(dir, 'manifest.tmp'), `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(join(dir, 'manifest.tmp'), join(dir, 'manifest.json'));
}

/** Reads and checks a savepoint for this job graph and its stages' partitions; every refusal says why. */
export async function readManifest(dir: string, graph: JobGraph, stages: readonly { id: string; topic: string; partitions: number }[]): Promise<SavepointManifest> {
  let raw: string;
  try {
    raw = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new Error(`--from-savepoint: no savepoint at ${dir} (manifest.json is missing)`);
  }
  const json = JSON.parse(raw) as unknown;
  const format = (json as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format < SAVEPOINT_FORMAT) {
    throw new Error(`--from-savepoint: ${dir} is a savepoint of an older Eddy (format ${format}, before jobs ran as stages): this one cannot restore it; rebuild the state from the input under a new --group-id`);
  }
  const parsed = SavepointManifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`--from-savepoint: ${dir}/manifest.json is not an Eddy savepoint (format ${SAVEPOINT_FORMAT}): ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  const m = parsed.data;
  if (m.job !== graph.job) throw new Error(`--from-savepoint: the savepoint is of job '${m.job}', not '${graph.job}'`);
  if (m.fingerprint !== graphFingerprint(graph)) {
    throw new Error(`--from-savepoint: the savepoint was taken with a different job graph (other operators or settings, e.g. --window/--slide/--top): it cannot restore into this one`);
  }
  for (const s of stages) {
    const then = m.stages.find((x) => x.id === s.id);
    if (then && then.partitions !== s.partitions) throw new Error(`--from-savepoint: stage ${s.id} had ${then.partitions} partitions (${then.topic}), it has ${s.partitions} now (${s.topic})`);
  }
  return m;
}


/**
 * A task's state as a savepoint holds it: every entry but local bookkeeping (the changelog
 * position, what the store was built from), which does not travel.
 *
 * @example
 * const entries = await portableEntries(store);
 */
export async function portableEntries(store: StateBackend): Promise<[Buffer, Buffer][]> {
  const entries: [Buffer, Buffer][] = [];
  for await (const [k, v] of store.scan(ALL_STATE_KEYS)) if (!isLocalOnly(k)) entries.push([k, v]);
  return entries;
}

/**
 * Replaces a task's state with a savepoint's entries, in its open transaction. What the state held
 * before (an earlier life of the group, replayed from the changelog) is deleted there, so the
 * changelog carries tombstones for it and no later rebuild finds it next to the savepoint's state.
 * Returns how many entries were replaced.
 */
export async function replaceState(state: TransactionalState, entries: readonly (readonly [Buffer, Buffer])[]): Promise<number> {
  const earlier: Buffer[] = [];
  for await (const [k] of state.scan(ALL_STATE_KEYS)) if (!isLocalOnly(k)) earlier.push(k);
  await state.write({ puts: [], deletes: earlier });
  await state.write({ puts: entries, deletes: [] });
  return earlier.length;
}
