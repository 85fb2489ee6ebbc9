/**
 * A group member: one consumer in the job's consumer group (and one in the merge stage's group), and
 * the tasks of the partitions Kafka assigns to it. A runner process hosts several members, one per
 * worker thread; members in other processes share the same groups, so Kafka spreads partitions over
 * every thread of every process. Records never cross threads.
 */
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { loadConfluentClient } from '../../connectors/kafka/confluent-client.js';
import { ConfluentSource, type RdKafkaModule } from '../../connectors/kafka/confluent-source.js';
import type { RejectedRecord } from '../../connectors/kafka/dead-letter.js';
import { KafkaSource, type PartitionBatch, type RecordSource, type SourceHooks, type SourceOptions, type TopicPartition } from '../../connectors/kafka/source.js';
import type { SavepointTask } from '../checkpoint/savepoint.js';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '../time/event-time.js';
import { inputEnds, jobFinished } from './bounded-end.js';
import { recordGroup } from './group-members.js';
import { ensureJobTopics, internalTopics } from './job-topics.js';
import { DEFAULT_MAX_GROUPS } from './local-executor.js';
import { FatalJobError, atPosition } from './member-failure.js';
import type { MemberOptions } from './member-options.js';
import { partialsSerde, type PartialsRecord } from './partials-record.js';
import { InputGate, savepointPhases } from './member-savepoint.js';
import type { CheckpointEvent, MemberStats } from './protocol.js';
import { Task } from './task.js';
import { runOn, slotLabel, type TaskSlot } from './task-slot.js';

export type { MemberOptions } from './member-options.js';

/**
 * Runs one member until the signal aborts it or, bounded, until the whole job has finished. Any task
 * error fails the member (its open transactions abort); the runner restarts it, and the new member
 * recovers from Kafka and local state, as Flink restarts a failed task.
 */
export async function runMember(opts: MemberOptions): Promise<MemberStats> {
  const stats: MemberStats = { records: 0, deadLettered: 0, outputs: {} };
  let fatal: Error | undefined;
  const fail = (e: unknown): void => {
    fatal ??= e instanceof Error ? e : new Error(String(e));
  };
  /** Work on a task whose failure is marked with the task and its committed offset (member-failure.ts). */
  const at = (id: string, work: (t: Task) => Promise<void>) => async (t: Task): Promise<void> => {
    try {
      await work(t);
    } catch (e) {
      throw atPosition(e, { task: id, offset: t.committedOffset?.toString() ?? null });
    }
  };
  const { job } = opts;
  const limits = { maxFutureSkewMs: opts.limits?.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS, maxGroups: opts.limits?.maxGroups ?? DEFAULT_MAX_GROUPS };
  const { input, partitions, deadLetterMaxBytes } = await ensureJobTopics(job, opts.kafka, opts.groupId);
  const topics = internalTopics(opts.groupId);
  const hasTopK = job.graph.nodes.some((n) => n.kind === 'topK');
  const source = job.graph.nodes.find((n) => n.kind === 'source')!;
  const fns = job.functions.get(source.id);
  if (fns?.kind !== 'source') throw new Error(`source '${source.id}' has no functions`);

  const admin = new KafkaAdmin(opts.kafka);
  await admin.connect();
  const { ends, empty } = await inputEnds(admin, input);

  const slots = new Map<string, TaskSlot>();
  const { metrics } = opts;
  /** Every task opened and not yet closed, moved away or not. */
  const opened = new Set<Task>();
  const savepointOf = (task: string): { savepoint?: { dir: string; task: SavepointTask } } => {
    const entry = opts.savepoint?.tasks.find((t) => t.task === task);
    return entry ? { savepoint: { dir: opts.savepoint!.dir, task: entry } } : {};
  };
  const openTask = (mode: 'partition' | 'merge', tp: TopicPartition): TaskSlot => {
    const opening = Date.now();
    const task = Task.open({
      job, kafka: opts.kafka, mode,
      input: { topic: tp.topic, partition: tp.partition, groupId: mode === 'merge' ? `${opts.groupId}-merge` : opts.groupId },
      inputPartitions: partitions,
      deadLetterMaxBytes,
      limits,
      onDeadLetters: (reason, n) => {
        stats.deadLettered += n;
        metrics?.deadLetters(reason, n);
      },
      topics: { changelog: mode === 'merge' ? topics.mergeChangelog : topics.changelog, partials: hasTopK ? topics.partials : undefined },
      stateDir: opts.stateDir, stateBackend: opts.stateBackend,
      transactionalId: `${opts.groupId}-${mode}-${tp.partition}`,
      log: opts.log,
      guarantee: opts.guarantee ?? 'exactly-once',
      ...(metrics ? { meter: metrics } : {}),
      ...savepointOf(`${mode}-${tp.partition}`),
    });
    void task.then(
      (t) => {
        opened.add(t);
        metrics?.restored(slotLabel(`${mode}:${tp.partition}`), Date.now() - opening);
      },
      () => undefined,
    );
    const slot: TaskSlot = { task, queue: task, next: undefined, lastRecordAt: Date.now(), ended: false };
    // Resume exactly at the offset committed when the task fenced its predecessor: the consumer may
    // have fetched from an older one, so records below the task's position are skipped (see below).
    slot.queue = task.then(
      (t) => t.resumeOffset !== undefined && advanceTo(slot, t.resumeOffset),
      (e: unknown) => fail(atPosition(e, { task: `${mode}:${tp.partition}`, offset: null })),
    );
    return slot;
  };
  /** A task's writes join the member's totals when it closes, moved away or at the end. */
  const countOutputs = (t: Task): void => {
    for (const [sink, n] of Object.entries(t.outputs)) stats.outputs[sink] = (stats.outputs[sink] ?? 0) + n;
  };
  const reconcile = (mode: 'partition' | 'merge', owned: readonly TopicPartition[]): void => {
    const wanted = new Set(owned.map((tp) => `${mode}:${tp.partition}`));
    for (const [id, slot] of slots) {
      if (!id.startsWith(`${mode}:`) || wanted.has(id)) continue;
      slots.delete(id);
      metrics?.forget(slotLabel(id));
      void runOn(slot, async (t) => {
        countOutputs(t);
        await t.close();
        opened.delete(t);
      }).catch((e: unknown) => opts.log(`${opts.name}: closing ${id}: ${(e as Error).message}`));
    }
    for (const tp of owned) if (!slots.has(`${mode}:${tp.partition}`)) slots.set(`${mode}:${tp.partition}`, openTask(mode, tp));
    metrics?.tasks(slots.size);
    announceReadiness();
  };
  /** Ready once every task owned now is open (restored); each assignment starts over. */
  let assignments = 0;
  const announceReadiness = (): void => {
    const generation = ++assignments;
    opts.onReady?.(false);
    void Promise.all([...slots.values()].map((s) => s.task)).then(
      () => generation === assignments && !fatal && opts.onReady?.(true),
      () => undefined,
    );
  };
  /** Commits every task of one consumer, each after the work queued before. */
  const commitAll = async (mode: 'partition' | 'merge'): Promise<void> => {
    const mine = [...slots].filter(([id]) => id.startsWith(`${mode}:`));
    await Promise.all(mine.map(([id, slot]) => runOn(slot, async (t) => (t.closed ? undefined : commit(t, slotLabel(id), slot.next)))));
  };
  /** Before the consumer gives up its partitions in a rebalance; after a failure nothing more is committed. */
  const commitBeforeRebalance = (mode: 'partition' | 'merge') => async (): Promise<void> => {
    if (!fatal) await commitAll(mode).catch(fail);
  };
  /** A task commit, timed and reported (a failed one still fails the member). */
  const commit = async (t: Task, partition: string, next: bigint | undefined, idle = false): Promise<void> => {
    const begun = Date.now();
    try {
      const done = await t.commit(next, idle);
      if (!done) return;
      const event: CheckpointEvent = { task: partition, completedAt: Date.now(), durationMs: Date.now() - begun, sizeBytes: done.sizeBytes, outcome: 'completed' };
      metrics?.checkpoint(partition, 'completed', event.durationMs, event.sizeBytes);
      opts.onCheckpoint?.(event);
    } catch (e) {
      metrics?.checkpoint(partition, 'failed', Date.now() - begun, 0);
      opts.onCheckpoint?.({ task: partition, completedAt: Date.now(), durationMs: Date.now() - begun, sizeBytes: 0, outcome: 'failed' });
      throw e;
    }
  };
  /** Work on a task, counted as busy time; the wait before it as backpressure. */
  const timed = async <T>(slot: TaskSlot, work: (t: Task) => Promise<T>): Promise<T> => {
    const queued = Date.now();
    return runOn(slot, async (t) => {
      const begun = Date.now();
      metrics?.backpressure(begun - queued);
      try {
        return await work(t);
      } finally {
        metrics?.busy(Date.now() - begun);
      }
    });
  };

  const advanceTo = (slot: TaskSlot | undefined, next: bigint): void => {
    if (slot && (slot.next === undefined || next > slot.next)) slot.next = next;
  };
  // The source hands a batch's rejected records over just before the batch itself. They are written
  // in the same queued step as the batch's good records: were they a step of their own, a commit could
  // slip in between and commit the dead letters with an offset that will read them again.
  const rejectedOf = new Map<number, readonly RejectedRecord[]>();
  const deadLetters = {
    write: (records: readonly RejectedRecord[]): Promise<void> => {
      if (records.length > 0) rejectedOf.set(records[0]!.partition, records);
      return Promise.resolve();
    },
  };
  // Noted before joining, so a process killed even mid-join can be evicted by the next (group-members.ts).
  recordGroup(opts.stateDir, opts.groupId);
  if (hasTopK) recordGroup(opts.stateDir, `${opts.groupId}-merge`);
  const inputOptions: SourceOptions = {
    groupId: opts.groupId, topics: [input], autoCommit: false, restartOnCrash: false,
    ...(opts.limits?.maxRecordBytes !== undefined ? { maxRecordBytes: opts.limits.maxRecordBytes } : {}),
    ...opts.inputFetch, ...session(opts.sessionTimeoutMs),
  };
  const inputHooks: SourceHooks = {
    onAssignment: (owned) => reconcile('partition', owned),
    onRebalance: commitBeforeRebalance('partition'),
    onCrash: fail,
    // A retained partition continues where its task is (the group only knows the committed offset).
    startOffset: (tp) => slots.get(`partition:${tp.partition}`)?.next,
    // Batches of only transaction markers move the position too; bounded mode must see them to end.
    onProgress: (tp, next) => {
      const slot = slots.get(`partition:${tp.partition}`);
      advanceTo(slot, next);
      if (slot && opts.bounded && !slot.ended && next >= (ends.get(tp.partition) ?? 0n)) void runOn(slot, at(`partition:${tp.partition}`, (t) => finishPartition(slot, t))).catch(fail);
    },
  };
  const inputSource: RecordSource<unknown> =
    opts.inputClient?.kind === 'confluent'
      ? new ConfluentSource(opts.kafka, inputOptions, fns.serde, deadLetters, inputHooks, loadConfluentClient<RdKafkaModule>(opts.inputClient.dir))
      : new KafkaSource(opts.kafka, inputOptions, fns.serde, deadLetters, inputHooks);
  /** Closed while a savepoint is taken (member-savepoint.ts). */
  const gate = new InputGate();
  const onInput = async (batch: PartitionBatch<unknown>): Promise<void> => {
    await gate.passed();
    // Held by a stop with a savepoint: nothing more is processed (the offsets stay committed as they are).
    if (opts.signal?.aborted) return;
    const rejected = rejectedOf.get(batch.partition) ?? [];
    rejectedOf.delete(batch.partition);
    const slot = slots.get(`partition:${batch.partition}`);
    if (!slot || slot.ended) return;
    const end = ends.get(batch.partition) ?? 0n;
    if (fatal) return;
    metrics?.lag(String(batch.partition), batch.highWatermark - batch.nextOffset);
    await timed(slot, at(`partition:${batch.partition}`, async (t) => {
      // Skip what this task has processed already (a batch fetched before the task knew its position
      // can repeat records), and in bounded mode what lies past the end.
      const from = slot.next ?? -1n;
      const fresh = (offset: string): boolean => BigInt(offset) >= from && (!opts.bounded || BigInt(offset) < end);
      await t.deadLetters(rejected.filter((r) => r.offset !== null && fresh(r.offset)));
      // Offsets ascend within a batch: when both ends are fresh, all are (the usual case).
      const all = batch.records;
      const records = all.length === 0 || (fresh(all[0]!.offset) && fresh(all[all.length - 1]!.offset)) ? all : all.filter((r) => fresh(r.offset));
      if (records.length > 0) await t.processRecords(records);
      stats.records += records.length;
      metrics?.sourceRecords(String(batch.partition), records.length);
      metrics?.watermark(String(batch.partition), t.watermark);
      advanceTo(slot, batch.nextOffset);
      slot.lastRecordAt = Date.now();
      if (opts.bounded && batch.nextOffset >= end) await finishPartition(slot, t);
      // Committing on fire (or right after a restore) is for results' latency; while catching up
      // (more input waiting) the interval's commits suffice, and a transaction per fired window
      // would cost 40% of the CPU.
      else if (t.commitDue && batch.nextOffset >= batch.highWatermark) await commit(t, String(batch.partition), slot.next);
    })).catch(fail);
  };
  const finishPartition = async (slot: TaskSlot, t: Task): Promise<void> => {
    if (slot.ended || t.closed) return;
    slot.ended = true;
    await t.end();
    await commit(t, String(t.config.input.partition), slot.next);
  };

  const mergeSource = hasTopK
    ? new KafkaSource<PartialsRecord>(
        opts.kafka,
        { groupId: `${opts.groupId}-merge`, topics: [topics.partials], autoCommit: false, restartOnCrash: false, ...session(opts.sessionTimeoutMs) },
        partialsSerde,
        {
          // Eddy wrote it, so a record here that cannot be read is damage, not bad input: skipping it
          // would lose part of a ranking, and retrying would meet it again. The job stops, saying where.
          write: async (records) => {
            const r = records[0];
            if (r) fail(new FatalJobError(`internal topic ${r.topic}, partition ${r.partition}, offset ${r.offset ?? '?'} holds a record that cannot be read (${r.reason}: ${r.detail}); the job stops rather than lose part of a ranking`));
          },
        },
        {
          onAssignment: (owned) => reconcile('merge', owned),
          onRebalance: commitBeforeRebalance('merge'),
          onCrash: fail,
          startOffset: (tp) => slots.get(`merge:${tp.partition}`)?.next,
          onProgress: (tp, next) => advanceTo(slots.get(`merge:${tp.partition}`), next),
        },
      )
    : undefined;

  opts.onSavepointControl?.(savepointPhases({ slots, gate, admin, partialsTopic: topics.partials, failed: () => fatal !== undefined, commitAll, commit }));

  await inputSource.start(onInput);
  await mergeSource?.start(async (batch) => {
    const slot = slots.get(`merge:${batch.partition}`);
    if (!slot) return;
    if (fatal) return;
    await timed(slot, at(`merge:${batch.partition}`, async (t) => {
      const from = slot.next ?? -1n;
      await t.processPartials(batch.records.filter((r) => BigInt(r.offset) >= from).map((r) => r.value));
      advanceTo(slot, batch.nextOffset);
      if (t.fired) await commit(t, `merge-${batch.partition}`, slot.next);
    })).catch(fail);
  });

  // Bounded partitions that are empty (or already read to the end) end without any batch.
  const committed = await admin.committedOffsets(opts.groupId, input);
  const idleTimeout = source.kind === 'source' ? source.config.idleTimeoutMs : 0;
  let finished = false;
  let cleanupTimedOut = false;
  const memory = new Map<string, number>();
  const tick = async (): Promise<void> => {
    for (const [id, slot] of slots) {
      await runOn(slot, at(id, async (t) => {
        // Moved away while this tick went through the earlier tasks.
        if (t.closed) return;
        if (id.startsWith('partition:') && opts.bounded && !slot.ended) {
          const p = Number(id.slice('partition:'.length));
          if ((committed.get(p) ?? -1n) >= (ends.get(p) ?? 0n) || empty.has(p)) {
            slot.next = ends.get(p);
            await finishPartition(slot, t);
          }
        }
        const idle = idleTimeout > 0 && Date.now() - slot.lastRecordAt >= idleTimeout;
        const partition = slotLabel(id);
        await commit(t, partition, slot.next, idle);
        if (metrics) {
          const usage = await t.usage();
          metrics.state(partition, usage.storedBytes);
          memory.set(id, usage.memoryBytes);
          metrics.watermark(partition, t.watermark);
        }
      })).catch(fail);
    }
    if (metrics && opts.stateBackend === 'rocksdb') metrics.rocksDbMemory([...memory.entries()].filter(([id]) => slots.has(id)).reduce((a, [, b]) => a + b, 0));
    if (opts.bounded && !finished) finished = await jobFinished(admin, opts.groupId, input, ends, hasTopK ? topics.partials : undefined);
  };

  try {
    while (!finished && !opts.signal?.aborted && !fatal) {
      await new Promise((r) => setTimeout(r, opts.commitIntervalMs));
      await tick();
    }
  } finally {
    gate.open();
    const cleanup = async (): Promise<void> => {
      await inputSource.stop();
      await mergeSource?.stop();
      // Graceful stop: what was processed is committed (a final checkpoint), then the tasks close.
      // After a failure nothing is committed: closing aborts the open transactions.
      if (!finished && !fatal) await tick().catch(() => undefined);
      for (const slot of slots.values()) {
        await runOn(slot, async (t) => {
          countOutputs(t);
          await t.close();
          opened.delete(t);
        }).catch(() => undefined);
      }
      await admin.disconnect().catch(() => undefined);
    };
    // After a failure the clients may wait on a broker that is gone; a member that cannot clean up
    // in time reports it, and its thread is dropped (member-worker.ts) rather than left hanging.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      cleanup().then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), fatal ? CLEANUP_AFTER_FAILURE_MS : CLEANUP_MS))),
    ]);
    clearTimeout(timer);
    cleanupTimedOut = timedOut;
    // Whatever hangs, the stores close: the thread may end, but their folders must not stay locked.
    if (timedOut) for (const t of opened) await t.closeState().catch(() => undefined);
  }
  if (cleanupTimedOut) throw new MemberCleanupTimeout(`${opts.name} could not close its Kafka clients in time${fatal ? ` after: ${fatal.message}` : ''}`, fatal ? { cause: fatal } : undefined);
  if (fatal) throw fatal;
  return stats;
}

const CLEANUP_MS = 120_000;
const CLEANUP_AFTER_FAILURE_MS = 30_000;

/** The member's clients did not close: the thread hosting it should end, taking them with it. */
export class MemberCleanupTimeout extends Error {
  override readonly name = 'MemberCleanupTimeout';
}

/** Consumer timeouts for a session timeout (heartbeats ten times per session). */
function session(sessionTimeoutMs: number | undefined): { sessionTimeoutMs?: number; heartbeatIntervalMs?: number } {
  return sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs, heartbeatIntervalMs: Math.max(100, Math.floor(sessionTimeoutMs / 10)) };
}
