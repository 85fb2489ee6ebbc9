/**
 * Takes a savepoint of a running job across all its runner processes, through the group's control
 * topic (savepoint-control.ts). The phases (see SavepointPhase) make the copy consistent: with input
 * held and source tasks committed everywhere, each exchange stage in turn consumes everything the
 * stages before it sent, so nothing is in flight between stages when each task writes its committed
 * state. The runners that answer the pause must own every task of the job between them; those are
 * the ones every later phase waits for.
 */
import { randomUUID } from 'node:crypto';
import { SAVEPOINT_FORMAT, graphFingerprint, writeManifest, type SavepointManifest } from '../checkpoint/savepoint.js';
import type { JobGraph } from '../graph/job-graph.js';
import { taskId, type StageLayout } from './job-topics.js';
import type { ProcessReply, SavepointControl } from './savepoint-control.js';

/** How long the runners may take to answer a pause with every task of the job between them. */
const PAUSE_TIMEOUT_MS = 15_000;
const PHASE_TIMEOUT_MS = 120_000;

export interface SavepointTarget {
  graph: JobGraph;
  stages: readonly StageLayout[];
}

/**
 * @example
 * const manifest = await takeSavepoint(control, '/backups/sp-1', { graph, stages: layout.stages });
 * // stop with a savepoint: takeSavepoint(control, dir, target, { thenStop: true }) ends every runner
 */
export async function takeSavepoint(control: SavepointControl, dir: string, target: SavepointTarget, opts: { thenStop?: boolean } = {}): Promise<SavepointManifest> {
  const id = randomUUID();
  const needed = target.stages.flatMap((s) => Array.from({ length: s.partitions }, (_, p) => taskId(s.stage.id, p)));
  const missing = (replies: readonly ProcessReply[]): string[] => {
    const owned = new Set(replies.flatMap((r) => r.owned));
    return needed.filter((t) => !owned.has(t));
  };
  let step = 0;
  let runners = new Set<string>();
  const everyRunner = (replies: readonly ProcessReply[]): boolean => [...runners].every((p) => replies.some((r) => r.process === p));
  let done = false;
  try {
    const paused = await control.phase(id, ++step, { phase: 'pause' }, (rs) => missing(rs).length === 0, PAUSE_TIMEOUT_MS).catch((e: Error) => {
      throw new Error(`${e.message}: a savepoint needs every task of the job owned by a runner that answers (a rebalance moving tasks, or a runner that is down?)`);
    });
    runners = new Set(paused.map((r) => r.process));
    for (const s of target.stages) if (!s.source) await control.phase(id, ++step, { phase: 'drain', stage: s.stage.id }, everyRunner, PHASE_TIMEOUT_MS);
    const dumped = await control.phase(id, ++step, { phase: 'dump', dir }, everyRunner, PHASE_TIMEOUT_MS);
    const tasks = dumped.flatMap((r) => r.tasks).sort((a, b) => a.task.localeCompare(b.task, 'en', { numeric: true }));
    const absent = needed.filter((t) => !tasks.some((x) => x.task === t));
    if (absent.length > 0) throw new Error(`savepoint dump phase: no runner wrote ${absent.join(', ')} (moved by a rebalance?)`);
    const manifest: SavepointManifest = {
      format: SAVEPOINT_FORMAT,
      job: target.graph.job,
      fingerprint: graphFingerprint(target.graph),
      stages: target.stages.map((s) => ({ id: s.stage.id, topic: s.topic, partitions: s.partitions })),
      createdAt: Date.now(),
      tasks,
    };
    await writeManifest(dir, manifest);
    done = true;
    return manifest;
  } finally {
    // Stop with a savepoint: input stays held everywhere, so nothing is processed after the copy.
    if (done && opts.thenStop) await control.stopAll(id);
    else await control.phase(id, ++step, { phase: 'resume' }, everyRunner, PHASE_TIMEOUT_MS).catch(() => undefined);
  }
}
