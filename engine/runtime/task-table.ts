/**
 * A member's table of tasks: one per stage partition Kafka assigned to it (task.ts), each behind its
 * slot's queue (task-slot.ts), opened on assignment and closed when moved away; and the one commit
 * path every commit of the member goes through (timed, reported, a failure failing the member).
 */
import type { BuiltJob } from '../api/job-builder.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import type { TopicPartition } from '../../connectors/kafka/record-source.js';
import { taskId, type JobLayout, type StageLayout } from './job-topics.js';
import { atPosition } from './member-failure.js';
import type { MemberOptions } from './member-options.js';
import type { MemberStats } from './protocol.js';
import { Task } from './task.js';
import { kafkaPorts, type TaskPorts } from './task-ports.js';
import type { TaskConfig } from './task-config.js';
import { runOn, type TaskSlot } from './task-slot.js';

/** A slot and where it belongs. */
export interface TableSlot extends TaskSlot {
  /** `<stage>:<partition>` (job-topics.ts taskId): the task's name in logs, metrics and savepoints. */
  id: string;
  stage: StageLayout;
  partition: number;
}

export interface TaskTableOptions {
  job: BuiltJob;
  kafka: KafkaClientOptions;
  layout: JobLayout;
  member: Pick<MemberOptions, 'groupId' | 'stateDir' | 'stateBackend' | 'logger' | 'guarantee' | 'metrics' | 'onCheckpoint' | 'savepoint' | 'onReady'>;
  limits: NonNullable<TaskConfig['limits']>;
  stats: MemberStats;
  /** Where tasks reach Kafka and their stores (default: the cluster of `kafka` and the local disk). */
  ports?: TaskPorts;
  /** The member failed: `fail` records the first error; `failed` says whether there was one. */
  fail: (e: unknown) => void;
  failed: () => boolean;
}

/**
 * @example
 * const table = new TaskTable({ job, kafka, layout, member: opts, limits, stats, fail, failed });
 * table.reconcile('source', owned);
 * await table.commitAll((s) => s.stage.source !== undefined);
 */
export class TaskTable {
  readonly slots = new Map<string, TableSlot>();
  /** Every task opened and not yet closed, moved away or not. */
  readonly opened = new Set<Task>();
  readonly #byTopic: Map<string, StageLayout>;
  readonly #ports: TaskPorts;
  #assignments = 0;
  /** Bounded and the job has finished: partitions still handed over are done, nothing opens. */
  #finished = false;

  constructor(private readonly o: TaskTableOptions) {
    this.#byTopic = new Map(o.layout.stages.map((s) => [s.topic, s]));
    this.#ports = o.ports ?? kafkaPorts(o.kafka);
  }

  /** The stage whose tasks read `topic`. */
  stageOf(topic: string): StageLayout {
    const stage = this.#byTopic.get(topic);
    if (!stage) throw new Error(`no stage of job ${this.o.job.graph.job} reads topic ${topic}`);
    return stage;
  }

  /** The slot of a topic partition, if this member owns it. */
  slotOf(tp: TopicPartition): TableSlot | undefined {
    return this.slots.get(taskId(this.stageOf(tp.topic).stage.id, tp.partition));
  }

  /**
   * The partitions one consumer (`source` stages, or `exchange` stages) owns now: tasks of others of
   * its partitions close (after their queued work), tasks of new ones open.
   */
  reconcile(kind: 'source' | 'exchange', owned: readonly TopicPartition[]): void {
    const wanted = new Set(owned.map((tp) => taskId(this.stageOf(tp.topic).stage.id, tp.partition)));
    this.o.member.logger.debug(`assigned ${wanted.size} ${kind} partition(s)`, { tasks: [...wanted] });
    for (const [id, slot] of this.slots) {
      if (kindOf(slot.stage) !== kind || wanted.has(id)) continue;
      this.slots.delete(id);
      this.o.member.metrics?.forget(id);
      void runOn(slot, (t) => this.#close(t)).catch((e: unknown) => this.o.member.logger.warn(`closing the task failed: ${(e as Error).message}`, { task: id, partition: slot.partition }));
    }
    for (const tp of this.#finished ? [] : owned) {
      const stage = this.stageOf(tp.topic);
      const id = taskId(stage.stage.id, tp.partition);
      if (!this.slots.has(id)) this.slots.set(id, this.#open(stage, tp.partition));
    }
    this.o.member.metrics?.tasks(this.slots.size);
    this.#announceReadiness();
  }

  /**
   * Bounded, the whole job has finished: from now on an assignment opens no task. A member that
   * leaves first hands its partitions to the others, and restoring their state would only cost.
   */
  finish(): void {
    this.#finished = true;
  }

  /** Commits every task matching `which`, each after the work queued before. */
  async commitAll(which: (s: TableSlot) => boolean): Promise<void> {
    const mine = [...this.slots].filter(([, s]) => which(s));
    await Promise.all(mine.map(([id, slot]) => runOn(slot, async (t) => (t.closed ? undefined : this.commit(t, id, slot.next)))));
  }

  /** A task commit, timed and reported (a failed one still fails the member). */
  async commit(t: Task, id: string, next: bigint | undefined, idle = false): Promise<void> {
    const { metrics, onCheckpoint } = this.o.member;
    const begun = Date.now();
    try {
      const done = await t.commit(next, idle);
      if (!done) return;
      const durationMs = Date.now() - begun;
      metrics?.checkpoint(id, 'completed', durationMs, done.sizeBytes);
      onCheckpoint?.({ task: id, completedAt: Date.now(), durationMs, sizeBytes: done.sizeBytes, outcome: 'completed' });
    } catch (e) {
      metrics?.checkpoint(id, 'failed', Date.now() - begun, 0);
      onCheckpoint?.({ task: id, completedAt: Date.now(), durationMs: Date.now() - begun, sizeBytes: 0, outcome: 'failed' });
      throw e;
    }
  }

  /** Closes every task (after its queued work); a stopping member's last step. */
  async closeAll(): Promise<void> {
    for (const slot of this.slots.values()) await runOn(slot, (t) => this.#close(t)).catch(() => undefined);
    await this.#ports.close().catch(() => undefined);
  }

  /** Work on a task whose failure is marked with the task and its committed offset (member-failure.ts). */
  static at(id: string, work: (t: Task) => Promise<void>): (t: Task) => Promise<void> {
    return async (t) => {
      try {
        await work(t);
      } catch (e) {
        throw atPosition(e, { task: id, offset: t.committedOffset?.toString() ?? null });
      }
    };
  }

  async #close(t: Task): Promise<void> {
    for (const [sink, n] of Object.entries(t.outputs)) this.o.stats.outputs[sink] = (this.o.stats.outputs[sink] ?? 0) + n;
    await t.close();
    this.opened.delete(t);
  }

  #open(stage: StageLayout, partition: number): TableSlot {
    const { job, layout, member, limits, stats } = this.o;
    const id = taskId(stage.stage.id, partition);
    const opening = Date.now();
    const entry = member.savepoint?.tasks.find((t) => t.task === id);
    const logger = member.logger.child({ task: id, partition });
    const task = Task.open({
      job, stage, partition, limits,
      deadLetterMaxBytes: layout.deadLetterMaxBytes[stage.deadLetterTopic]!,
      onDeadLetters: (reason, n) => {
        stats.deadLettered += n;
        member.metrics?.deadLetters(reason, n);
      },
      stateDir: member.stateDir, stateBackend: member.stateBackend,
      transactionalId: `${member.groupId}-${stage.stage.id}-${partition}`,
      logger,
      guarantee: member.guarantee ?? 'exactly-once',
      ...(member.metrics ? { meter: member.metrics.forTask(id) } : {}),
      ...(entry ? { savepoint: { dir: member.savepoint!.dir, task: entry } } : {}),
    }, this.#ports);
    void task.then(
      (t) => {
        this.opened.add(t);
        logger.debug(`open in ${Date.now() - opening} ms`, { resumeOffset: t.resumeOffset, steps: t.openSteps });
        member.metrics?.restored(id, Date.now() - opening);
        // An input partition shows (at 0) from the start, not from its first record.
        if (kindOf(stage) === 'source') member.metrics?.sourceRecords(id, 0);
      },
      () => undefined,
    );
    const slot: TableSlot = { id, task, queue: task, next: undefined, lastRecordAt: Date.now(), ended: false, stage, partition };
    // Resume exactly at the offset committed when the task fenced its predecessor: the consumer may
    // have fetched from an older one, so records below the task's position are skipped.
    slot.queue = task.then(
      (t) => t.resumeOffset !== undefined && advanceTo(slot, t.resumeOffset),
      (e: unknown) => this.o.fail(atPosition(e, { task: id, offset: null })),
    );
    return slot;
  }

  /** Ready once every task owned now is open (restored); each assignment starts over. */
  #announceReadiness(): void {
    const generation = ++this.#assignments;
    this.o.member.onReady?.(false);
    void Promise.all([...this.slots.values()].map((s) => s.task)).then(
      () => generation === this.#assignments && !this.o.failed() && this.o.member.onReady?.(true),
      () => undefined,
    );
  }
}

/** Which consumer reads a stage: source stages read the job's inputs, exchange stages its internal topics. */
export function kindOf(stage: StageLayout): 'source' | 'exchange' {
  return stage.source ? 'source' : 'exchange';
}

/** Moves a slot's position forward (never back). */
export function advanceTo(slot: TaskSlot | undefined, next: bigint): void {
  if (slot && (slot.next === undefined || next > slot.next)) slot.next = next;
}
