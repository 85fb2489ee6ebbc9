/**
 * Takes a savepoint of a running job across the members of this runner process. The phases (see
 * SavepointPhase) make the copy consistent: with input held and source tasks committed, each
 * exchange stage in turn consumes everything the stages before it sent, so nothing is in flight
 * between stages when each task writes its committed state.
 */
import { SAVEPOINT_FORMAT, graphFingerprint, writeManifest, type SavepointManifest } from '../checkpoint/savepoint.js';
import type { JobGraph } from '../graph/job-graph.js';
import { taskId, type StageLayout } from './job-topics.js';
import type { SavepointPhase, SavepointReply } from './protocol.js';
import type { RunnerMonitor } from './runner-monitor.js';

const PHASE_TIMEOUT_MS = 120_000;

export interface SavepointTarget {
  graph: JobGraph;
  stages: readonly StageLayout[];
}

/**
 * @example
 * const manifest = await takeSavepoint(monitor, '/backups/sp-1', { graph, stages: layout.stages });
 * // stop with a savepoint: takeSavepoint(monitor, dir, target, { thenStop: true }), then stop the run
 */
export async function takeSavepoint(monitor: RunnerMonitor, dir: string, target: SavepointTarget, opts: { thenStop?: boolean } = {}): Promise<SavepointManifest> {
  const members = monitor.members;
  if (members === 0) throw new Error('no member thread is running');
  const phase = async (p: SavepointPhase): Promise<SavepointReply[]> => {
    const replies = await monitor.ask((id) => ({ type: 'savepoint', id, ...p }), PHASE_TIMEOUT_MS);
    const failed = replies.find((r) => r.type === 'savepoint' && r.error !== undefined);
    if (failed?.type === 'savepoint') throw new Error(`savepoint ${p.phase} phase failed: ${failed.error}`);
    if (replies.length < members) throw new Error(`savepoint ${p.phase} phase: ${members - replies.length} member(s) did not answer in ${PHASE_TIMEOUT_MS / 1000} s`);
    return replies.flatMap((r) => (r.type === 'savepoint' && r.reply ? [r.reply] : []));
  };
  let done = false;
  try {
    const owned = new Set((await phase({ phase: 'pause' })).flatMap((r) => r.owned));
    const needed = target.stages.flatMap((s) => Array.from({ length: s.partitions }, (_, p) => taskId(s.stage.id, p)));
    const missing = needed.filter((t) => !owned.has(t));
    if (missing.length > 0) {
      throw new Error(`a savepoint needs every task of the job in this runner process, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not here (owned by another process, or not assigned yet)`);
    }
    for (const s of target.stages) if (!s.source) await phase({ phase: 'drain', stage: s.stage.id });
    const tasks = (await phase({ phase: 'dump', dir })).flatMap((r) => r.tasks).sort((a, b) => a.task.localeCompare(b.task, 'en', { numeric: true }));
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
    // Stop with a savepoint: input stays held, so nothing is processed after the copy.
    if (!done || !opts.thenStop) await phase({ phase: 'resume' }).catch(() => undefined);
  }
}
