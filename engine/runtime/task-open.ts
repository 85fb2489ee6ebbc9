/**
 * What a task needs before it can run, in the order a restart needs it: its store, its producer
 * (fencing older owners) and the positions the fence makes final, and the store checked against the
 * changelog it was built from (else wiped). A restart's time goes mostly here, so each step's end
 * is noted (`steps`, logged with the task's open at debug level).
 */
import { join } from 'node:path';
import { graphFingerprint } from '../checkpoint/savepoint.js';
import type { StateBackend } from '../state/state-backend.js';
import { lookAtLocalState, verifiedLocalState } from './local-state.js';
import { fenceAndLocate } from './task-fence.js';
import type { Output, TaskPorts, TransactionalOutput } from './task-ports.js';
import type { TaskConfig } from './task-config.js';

/** The parts of an opening task; the caller closes them should what follows fail. */
export interface TaskParts {
  store: StateBackend;
  sink: TransactionalOutput;
  direct: Output | undefined;
  /** The group's committed input offset at the fence (-1: none). */
  groupOffset: bigint;
  changelogEnd: bigint;
  /** The input partition's end at the fence. */
  inputEnd: bigint;
  /** The savepoint to seed from: only for a task whose group has no progress yet. */
  seeding: TaskConfig['savepoint'];
  /** When each step ended, in ms after the open began: `store`, `marker`, `producer`, `fence`, `verify`. */
  steps: Record<string, number>;
  /** Notes the end of a later step (`recover`, `resume`). */
  done: <T>(step: string) => (v: T) => T;
}

/**
 * @example
 * const parts = await openTaskParts(config, ports);
 * const state = new TransactionalState(parts.store);
 */
export async function openTaskParts(config: TaskConfig, ports: TaskPorts): Promise<TaskParts> {
  const { job, stage: layout, partition } = config;
  const dir = config.stateBackend === 'memory' ? undefined : join(config.stateDir, `${layout.stage.id}-${partition}`);
  const began = Date.now();
  const steps: Record<string, number> = {};
  const done = <T>(step: string) => (v: T): T => ((steps[step] = Date.now() - began), v);
  // What is open so far, closed again if opening fails (the broker gone mid-fence, say): an open
  // RocksDB keeps its folder locked for the whole process, so the member's restart could not open it.
  // The store opens first: when the task moves between this process's members, its lock waits for
  // the former owner to close it, so the fence below cannot cut into that owner's last commit.
  const held: { store: StateBackend; sink?: TransactionalOutput; direct?: Output } = { store: await ports.openStore(dir).then(done('store')) };
  const changelog = { topic: layout.changelog, partition };
  try {
    // The store is looked at (its marker read) while the producer connects and fences: after a
    // kill these are a restart's slowest steps, and neither needs the other's result.
    const [looked, fenced] = await Promise.allSettled([
      lookAtLocalState(held.store, { partitions: ports.partitions, changelog }).then((l) => ({ ...l, marker: timed(l.marker, done('marker')) })),
      // Fence first (task-fence.ts): what is read next is final.
      ports.output(config.transactionalId).then(done('producer')).then(async (s) => ({ sink: (held.sink = s), at: await fenceAndLocate(s, ports.partitions, layout, partition).then(done('fence')) })),
    ]);
    if (looked.status === 'rejected') throw looked.reason;
    if (fenced.status === 'rejected') throw fenced.reason;
    const { sink, at: { groupOffset, changelogEnd, inputEnd } } = fenced.value;
    // As before: a savepoint seeds only a task whose group has no progress (the CLI checks the group).
    const seeding = config.savepoint !== undefined && groupOffset < 0n ? config.savepoint : undefined;
    const { store, wiped } = await verifiedLocalState(held.store, {
      dir, partitions: ports.partitions, changelog, changelogEnd,
      group: layout.groupId, fingerprint: graphFingerprint(job.graph), savepoint: seeding?.dir,
    }, looked.value).then(done('verify'));
    held.store = store;
    if (wiped) config.logger.warn(`${wiped}: wiped ${dir ?? 'its memory'}, rebuilding from the changelog`);
    if (config.guarantee === 'at-least-once') held.direct = await ports.direct();
    return { store, sink, direct: held.direct, groupOffset, changelogEnd, inputEnd, seeding, steps, done };
  } catch (e) {
    await held.sink?.disconnect().catch(() => undefined);
    await held.direct?.disconnect().catch(() => undefined);
    await held.store.close().catch(() => undefined);
    throw e;
  }
}

/** `read`, noting when it ends; like the read itself, a failure not awaited is not unhandled. */
function timed<T>(read: Promise<T> | undefined, note: (v: T) => T): Promise<T> | undefined {
  const noted = read?.then(note);
  noted?.catch(() => undefined);
  return noted;
}
