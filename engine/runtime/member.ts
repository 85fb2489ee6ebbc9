/**
 * A group member: one consumer in the job's consumer group (reading its source topics) and one in its
 * exchange group (reading its internal topics), and the tasks of the partitions Kafka assigns to it
 * (task-table.ts). A runner process hosts several members, one per worker thread; members in other
 * processes share the same groups, so Kafka spreads partitions over every thread of every process.
 * Records never cross threads: what moves between stages goes through Kafka.
 */
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { loadConfluentClient } from '../../connectors/kafka/confluent-client.js';
import { ConfluentSource, type RdKafkaModule } from '../../connectors/kafka/confluent-source.js';
import type { RejectedRecord } from '../../connectors/kafka/dead-letter.js';
import type { Serde } from '../api/serde.js';
import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import type { PartitionBatch, RecordSource, SourceHooks, SourceOptions } from '../../connectors/kafka/record-source.js';
import { commitNow } from '../checkpoint/commit-policy.js';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '../time/event-time.js';
import { inputEnds, jobFinished } from './bounded-end.js';
import { exchangeSerde, type ExchangeRecord } from './exchange-record.js';
import { recordGroup } from './group-members.js';
import { ensureJobTopics, exchangeGroup, taskId } from './job-topics.js';
import { DEFAULT_MAX_GROUPS } from './local-executor.js';
import { idleCheck } from './idle-check.js';
import { firingSchedule, inputFetchWaitMs, type FiringSchedule } from './input-pacing.js';
import { FatalJobError } from './member-failure.js';
import type { MemberOptions } from './member-options.js';
import { InputGate, savepointPhases } from './member-savepoint.js';
import type { MemberStats } from './protocol.js';
import type { Task } from './task.js';
import { runOn } from './task-slot.js';
import { TaskTable, advanceTo, kindOf, type TableSlot } from './task-table.js';

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
  const { job, metrics } = opts;
  const at = TaskTable.at;
  const limits = { maxFutureSkewMs: opts.limits?.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS, maxGroups: opts.limits?.maxGroups ?? DEFAULT_MAX_GROUPS };
  const layout = await ensureJobTopics(job, opts.kafka, opts.groupId);
  const sourceStages = layout.stages.filter((s) => s.source);
  const exchangeStages = layout.stages.filter((s) => !s.source);
  const serdes = new Map(sourceStages.map((s) => {
    const f = job.functions.get(s.source!.node);
    if (f?.kind !== 'source') throw new Error(`source '${s.source!.node}' has no functions`);
    return [s.topic, f.serde as Serde<unknown>] as const;
  }));

  const admin = new KafkaAdmin(opts.kafka);
  await admin.connect();
  const { ends, empty } = await inputEnds(admin, layout);
  const table = new TaskTable({ job, kafka: opts.kafka, layout, member: opts, limits, stats, fail, failed: () => fatal !== undefined });
  const { slots } = table;
  /** Before a consumer gives up its partitions in a rebalance; after a failure nothing more is committed. */
  const commitBeforeRebalance = (kind: 'source' | 'exchange') => async (): Promise<void> => {
    if (!fatal) await table.commitAll((s) => kindOf(s.stage) === kind).catch(fail);
  };
  /** Work on a task, counted as busy time; the wait before it as backpressure. */
  const timed = async <T>(slot: TableSlot, work: (t: Task) => Promise<T>): Promise<T> => {
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

  // The source hands a batch's rejected records over just before the batch itself. They are written
  // in the same queued step as the batch's good records: were they a step of their own, a commit could
  // slip in between and commit the dead letters with an offset that will read them again.
  const rejectedOf = new Map<string, readonly RejectedRecord[]>();
  const deadLetters = {
    write: (records: readonly RejectedRecord[]): Promise<void> => {
      const r = records[0];
      if (r) rejectedOf.set(`${r.topic}:${r.partition}`, records);
      return Promise.resolve();
    },
  };
  // Noted before joining, so a process killed even mid-join can be evicted by the next (group-members.ts).
  recordGroup(opts.stateDir, opts.groupId);
  if (exchangeStages.length > 0) recordGroup(opts.stateDir, exchangeGroup(opts.groupId));
  const inputOptions: SourceOptions = {
    groupId: opts.groupId, topics: sourceStages.map((s) => s.topic), autoCommit: false, restartOnCrash: false,
    ...(opts.limits?.maxRecordBytes !== undefined ? { maxRecordBytes: opts.limits.maxRecordBytes } : {}),
    ...opts.inputFetch, ...session(opts.sessionTimeoutMs),
  };
  // At-least-once output is written as it is made, so every fetch's wait is in its latency.
  const schedule: FiringSchedule = opts.guarantee === 'at-least-once' ? { kind: 'any' } : firingSchedule(job.graph);
  /** Each source task's watermark after its last batch (by slot: a partition that comes back starts afresh). */
  const watermarks = new WeakMap<TableSlot, number>();
  const sourceWatermarks = function* (): Iterable<number> {
    for (const slot of slots.values()) if (kindOf(slot.stage) === 'source') yield watermarks.get(slot) ?? -Infinity;
  };
  const hooksFor = (kind: 'source' | 'exchange'): SourceHooks => ({
    ...(kind === 'source' ? { fetchWaitMs: (configuredMs: number) => inputFetchWaitMs(schedule, sourceWatermarks(), configuredMs) } : {}),
    onAssignment: (owned) => table.reconcile(kind, owned),
    onRebalance: commitBeforeRebalance(kind),
    ...(opts.joinGate ? { beforeJoin: (memberId: string) => opts.joinGate!(kind === 'source' ? opts.groupId : exchangeGroup(opts.groupId), memberId) } : {}),
    onCrash: fail,
    // A retained partition continues where its task is (the group only knows the committed offset).
    startOffset: (tp) => table.slotOf(tp)?.next,
    onProgress: (tp, next) => {
      const slot = table.slotOf(tp);
      advanceTo(slot, next);
      // Batches of only transaction markers move the position too; bounded mode must see them to end.
      if (kind === 'source' && slot && opts.bounded && !slot.ended && next >= endOf(slot)) void runOn(slot, at(slot.id, (t) => finishPartition(slot, t))).catch(fail);
    },
  });
  const serdeFor = (topic: string): Serde<unknown> => serdes.get(topic)!;
  const inputSource: RecordSource<unknown> =
    opts.inputClient?.kind === 'confluent'
      ? new ConfluentSource(opts.kafka, inputOptions, serdeFor, deadLetters, hooksFor('source'), loadConfluentClient<RdKafkaModule>(opts.inputClient.dir))
      : new KafkaSource(opts.kafka, inputOptions, serdeFor, deadLetters, hooksFor('source'));
  const endOf = (slot: TableSlot): bigint => ends.get(slot.id) ?? 0n;
  /** Closed while a savepoint is taken (member-savepoint.ts). */
  const gate = new InputGate();
  const onInput = async (batch: PartitionBatch<unknown>): Promise<void> => {
    await gate.passed();
    // Held by a stop with a savepoint: nothing more is processed (the offsets stay committed as they are).
    if (opts.signal?.aborted) return;
    const rejected = rejectedOf.get(`${batch.topic}:${batch.partition}`) ?? [];
    rejectedOf.delete(`${batch.topic}:${batch.partition}`);
    const slot = table.slotOf(batch);
    if (!slot || slot.ended || fatal) return;
    const { id } = slot;
    const end = endOf(slot);
    metrics?.lag(id, batch.highWatermark - batch.nextOffset);
    await timed(slot, at(id, async (t) => {
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
      metrics?.sourceRecords(id, records.length);
      metrics?.watermark(id, t.watermark);
      watermarks.set(slot, t.watermark);
      advanceTo(slot, batch.nextOffset);
      slot.lastRecordAt = Date.now();
      if (opts.bounded && batch.nextOffset >= end) await finishPartition(slot, t);
      else if (commitNow({ kind: 'batch', caughtUp: batch.nextOffset >= batch.highWatermark }, t)) await table.commit(t, id, slot.next);
    })).catch(fail);
  };
  const finishPartition = async (slot: TableSlot, t: Task): Promise<void> => {
    if (slot.ended || t.closed) return;
    slot.ended = true;
    await t.end();
    await table.commit(t, slot.id, slot.next);
  };

  const exchangeSource =
    exchangeStages.length > 0
      ? new KafkaSource<ExchangeRecord>(
          opts.kafka,
          { groupId: exchangeGroup(opts.groupId), topics: exchangeStages.map((s) => s.topic), autoCommit: false, restartOnCrash: false, ...session(opts.sessionTimeoutMs) },
          exchangeSerde,
          {
            // Eddy wrote it, so a record here that cannot be read is damage, not bad input: skipping it
            // would lose part of a result, and retrying would meet it again. The job stops, saying where.
            write: async (records) => {
              const r = records[0];
              if (r) fail(new FatalJobError(`internal topic ${r.topic}, partition ${r.partition}, offset ${r.offset ?? '?'} holds a record that cannot be read (${r.reason}: ${r.detail}); the job stops rather than lose part of a result`));
            },
          },
          hooksFor('exchange'),
        )
      : undefined;

  opts.onSavepointControl?.(savepointPhases({ table, gate, admin, failed: () => fatal !== undefined }));

  // The exchange group first: its members join while no input keeps their threads busy, so the
  // join gate lets them in together (join-barrier.ts); a member late by a few milliseconds would
  // wait for a heartbeat, seconds, to get its share.
  await exchangeSource?.start(async (batch) => {
    const slot = table.slotOf(batch);
    if (!slot || fatal) return;
    const { id } = slot;
    await timed(slot, at(id, async (t) => {
      const from = slot.next ?? -1n;
      await t.processExchange(batch.records.filter((r) => BigInt(r.offset) >= from));
      metrics?.watermark(id, t.watermark);
      advanceTo(slot, batch.nextOffset);
      if (commitNow({ kind: 'batch', caughtUp: batch.nextOffset >= batch.highWatermark }, t)) await table.commit(t, id, slot.next);
    })).catch(fail);
  });
  await inputSource.start(onInput);

  // Bounded partitions that are empty (or already read to the end) end without any batch.
  const committed = new Map<string, bigint>();
  for (const s of sourceStages) for (const [p, o] of await admin.committedOffsets(s.groupId, s.topic)) committed.set(taskId(s.stage.id, p), o);
  let finished = false;
  let cleanupTimedOut = false;
  const memory = new Map<string, number>();
  const tick = async (): Promise<void> => {
    const idleNow = idleCheck((topic) => admin.offsets(topic));
    for (const [id, slot] of slots) {
      await runOn(slot, at(id, async (t) => {
        // Moved away while this tick went through the earlier tasks.
        if (t.closed) return;
        if (slot.stage.source && opts.bounded && !slot.ended && ((committed.get(id) ?? -1n) >= endOf(slot) || empty.has(id))) {
          slot.next = ends.get(id);
          await finishPartition(slot, t);
        }
        await t.advanceTime(Date.now());
        // Only a source task's own idleness counts (after an exchange, its producers' decides).
        const idle = kindOf(slot.stage) === 'source' && (await idleNow(slot, Date.now()));
        await table.commit(t, id, slot.next, idle);
        if (metrics) {
          const usage = await t.usage();
          metrics.state(id, usage.storedBytes);
          memory.set(id, usage.memoryBytes);
          metrics.watermark(id, t.watermark);
        }
      })).catch(fail);
    }
    if (metrics && opts.stateBackend === 'rocksdb') metrics.rocksDbMemory([...memory.entries()].filter(([id]) => slots.has(id)).reduce((a, [, b]) => a + b, 0));
    if (opts.bounded && !finished && (await jobFinished(admin, layout, ends))) {
      finish();
      opts.onFinished?.();
    }
  };
  /** Wakes the loop below from its wait between ticks. */
  let wake = (): void => undefined;
  /** Bounded, the job has finished: no task opens any more, and the loop ends. */
  const finish = (): void => {
    table.finish();
    finished = true;
    wake();
  };
  // Another member of this process found the job finished; it leaves the group soon.
  void opts.finishedElsewhere?.then(finish);

  try {
    while (!finished && !opts.signal?.aborted && !fatal) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, opts.commitIntervalMs);
        wake = () => (clearTimeout(timer), r());
      });
      if (!finished) await tick();
    }
  } finally {
    gate.open();
    const cleanup = async (): Promise<void> => {
      await inputSource.stop();
      await exchangeSource?.stop();
      // Graceful stop: what was processed is committed (a final checkpoint), then the tasks close.
      // After a failure nothing is committed: closing aborts the open transactions.
      if (!finished && !fatal) await tick().catch(() => undefined);
      await table.closeAll();
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
    if (timedOut) for (const t of table.opened) await t.closeState().catch(() => undefined);
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
