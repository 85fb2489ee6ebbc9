/**
 * A task: the unit of exactly-once processing, one partition of its stage's input (a source topic
 * or an exchange topic, graph/stage-plan.ts) and the state of the keys that arrive on it. Each has
 * its own transactional producer (transactional id stable per stage and partition, so a new owner
 * fences the old one), its own changelog partition and its own local store. What leaves the stage
 * at an exchange is written in the task's transaction, so exactly-once holds across stages. The
 * commit order is in checkpoint/commit-protocol.ts; the numbered steps below refer to it.
 */
import { KafkaDeadLetterQueue, type DeadLetterReason, type RejectedRecord } from '../../connectors/kafka/dead-letter.js';
import type { OutRecord } from '../../connectors/kafka/sink.js';
import type { SourceRecord } from '../../connectors/kafka/record-source.js';
import { graphFingerprint, portableEntries, readEntries, replaceState, type SavepointTask } from '../checkpoint/savepoint.js';
import type { StreamRecord } from '../operators/operator.js';
import type { StateUsage } from '../state/state-backend.js';
import { resumePoint } from '../state/state-identity.js';
import { TransactionalState } from '../state/transactional-state.js';
import { recoverFromChangelog } from './changelog-recovery.js';
import { LocalExecutor } from './local-executor.js';
import { FatalJobError } from './member-failure.js';
import { exchangeRecordsOf, type ExchangeRecord } from './exchange-record.js';
import { TaskClock } from './task-clock.js';
import { openTaskParts } from './task-open.js';
import type { Output, TaskPorts, TransactionalOutput } from './task-ports.js';
import { taskId } from './job-topics.js';
import type { TaskConfig } from './task-config.js';
import { rejectedRecordOf } from './task-dead-letters.js';

export class Task {
  #executor!: LocalExecutor;
  #clock!: TaskClock;
  #dirty = false;
  #committedOffset: bigint | undefined;
  /** Inside an advance of the watermark (what it emits are fired windows). */
  #advancing = false;
  #fired = false;
  /** Its input partition's end when it opened: a restore is confirmed once a commit reaches it. */
  #endAtOpen = -1n;
  #restoreCommitted = false;
  /** When its open ended (epoch ms). */
  #openedAt = 0;
  #stateClosed = false;
  #closing = false;
  readonly #outputs: Record<string, number> = {};
  /** `<stage>:<partition>`: names the task in logs, metrics, markers and savepoints. */
  readonly id: string;
  /** The stage runs a process function: processing time is advanced for it. */
  readonly #timed: boolean;

  private constructor(
    readonly config: TaskConfig,
    private readonly ports: TaskPorts,
    private readonly state: TransactionalState,
    private readonly sink: TransactionalOutput,
    private readonly sinkTopics: Map<string, string>,
    private readonly dlq: KafkaDeadLetterQueue,
    /** The at-least-once output producer. */
    private readonly direct: Output | undefined,
  ) {
    this.id = taskId(config.stage.stage.id, config.partition);
    const processNodes = new Set(config.job.graph.nodes.filter((n) => n.kind === 'process').map((n) => n.id));
    this.#timed = config.stage.stage.nodes.some((n) => processNodes.has(n));
  }

  /**
   * Opens the task: fences older owners, checks that local state was built from this changelog,
   * group and job graph (else wipes it), replays the changelog into it, restores.
   */
  static async open(config: TaskConfig, ports: TaskPorts): Promise<Task> {
    const { job, stage: layout } = config;
    const parts = await openTaskParts(config, ports);
    const sinkTopics = new Map(job.graph.nodes.flatMap((n) => (n.kind === 'sink' ? [[n.id, n.config.topic] as const] : [])));
    const dlq = new KafkaDeadLetterQueue(parts.sink, layout.deadLetterTopic, config.deadLetterMaxBytes);
    const task = new Task(config, ports, new TransactionalState(parts.store), parts.sink, sinkTopics, dlq, parts.direct);
    try {
      task.#committedOffset = parts.groupOffset >= 0n ? parts.groupOffset : undefined;
      task.#endAtOpen = parts.inputEnd;
      await task.#recover(parts.changelogEnd).then(parts.done('recover'));
      if (parts.seeding) await task.#seed(parts.seeding);
      else await task.#resume(parts.inputEnd);
      task.openSteps = parts.done<Record<string, number>>('resume')(parts.steps);
      task.#openedAt = Date.now();
      return task;
    } catch (e) {
      await task.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * The first run after `--from-savepoint`: the savepoint's state and input offset are committed in
   * one transaction (state through the changelog). Later restarts find that committed offset and
   * recover normally, so the savepoint is applied exactly once.
   */
  async #seed(savepoint: { dir: string; task: SavepointTask }): Promise<void> {
    const entries = await readEntries(savepoint.dir, savepoint.task);
    const replaced = await replaceState(this.state, entries);
    await this.#rebuild();
    this.#dirty = true;
    // An exchange stage starts its (new) exchange topic from the beginning.
    const offset = savepoint.task.offset === null ? 0n : BigInt(savepoint.task.offset);
    await this.commit(offset);
    this.resumeOffset = offset;
    const earlier = replaced > 0 ? ` (replacing ${replaced} entries the changelog held)` : '';
    this.config.logger.info(`restored ${entries.length} entries from savepoint ${savepoint.dir}${earlier}, resuming at offset ${offset}`);
  }

  /** The task's committed state and input offset (for a savepoint; call between commits). */
  async dump(): Promise<{ offset: bigint | undefined; entries: [Buffer, Buffer][] }> {
    if (this.#dirty) throw new Error(`task ${this.id}: a savepoint needs the task committed first`);
    return { offset: this.config.stage.source ? this.#committedOffset : undefined, entries: await portableEntries(this.state.base) };
  }

  /** When each step of its open ended, in ms after the open began: `store`, `marker`, `producer`, `fence`, `verify`, `recover`, `resume`. */
  openSteps: Readonly<Record<string, number>> = {};

  /**
   * The input offset the task resumes at (undefined: none yet): the one its state was committed with
   * (the group's, unless that is gone). Records below it, fetched before the fence, are in state.
   */
  resumeOffset: bigint | undefined;

  get outputs(): Readonly<Record<string, number>> {
    return this.#outputs;
  }

  /** Replays the changelog tail into the store (changelog-recovery.ts), then builds the operators over it. */
  async #recover(changelogEnd: bigint): Promise<void> {
    await recoverFromChangelog({
      state: this.state, sink: this.sink, partitions: this.ports.partitions, changelog: this.config.stage.changelog, partition: this.config.partition, changelogEnd,
      group: this.config.stage.groupId, fingerprint: graphFingerprint(this.config.job.graph), logger: this.config.logger,
    });
    await this.#rebuild();
  }

  /**
   * Where the input resumes: at the offset the state was committed with (state-identity.ts). Input
   * that no longer holds that offset was recreated: no restart can help, so the job stops.
   */
  async #resume(inputEnd: bigint): Promise<void> {
    const recorded = await TaskClock.recordedOffset(this.state);
    const { stage: { topic }, partition } = this.config;
    const point = resumePoint({ committed: this.#committedOffset, recorded, inputEnd, input: `${topic} partition ${partition}` });
    if ('error' in point) {
      await this.close();
      throw new FatalJobError(`task ${this.id}: ${point.error}`);
    }
    if (point.why) this.config.logger.warn(point.why);
    this.resumeOffset = point.offset;
  }

  /** A fresh executor over committed state (after recovery or a savepoint's seeding). */
  async #rebuild(): Promise<void> {
    this.#clock = await TaskClock.load(this.state, this.config.stage);
    this.#executor = new LocalExecutor(this.config.job, {
      parallelism: 1,
      backends: [this.state],
      stage: this.config.stage.stage,
      ...(this.config.limits ?? {}),
      ...(this.config.meter ? { meter: this.config.meter } : {}),
      onSink: (sinkId, records) => {
        this.#fired ||= this.#advancing;
        this.#outputs[sinkId] = (this.#outputs[sinkId] ?? 0) + records.length;
        const out = records.map((r) => ({ key: r.key, value: r.encoded }));
        return this.direct ? this.#sendNow(this.sinkTopics.get(sinkId)!, out) : this.#send(this.sinkTopics.get(sinkId)!, out);
      },
      onExchange: (node, records) => this.#exchangeOut(node, records),
    });
    await this.#executor.restore(this.#clock.watermark);
  }

  /**
   * Step 1: records leaving the stage, to the exchange topic of `node`: a keyed record to the
   * partition owning its key group (as a task of that stage owns a range of them), a partial top-K to
   * the merge's one partition. A value JSON cannot carry is dead-lettered here, in the transaction.
   */
  async #exchangeOut(node: string, records: readonly StreamRecord[]): Promise<void> {
    this.#fired ||= this.#advancing;
    const exit = this.config.stage.exits.find((e) => e.node === node)!;
    const { out, unencodable } = exchangeRecordsOf(node, records, { from: this.id, partitions: exit.partitions, maxParallelism: this.config.job.graph.maxParallelism });
    if (unencodable.length > 0) await this.deadLetters(unencodable.map((d) => rejectedRecordOf({ reason: 'user-code', operator: node, ...d }, this.#input())));
    if (out.length > 0) await this.#send(exit.topic, out);
  }

  /** The task's event-time watermark. */
  get watermark(): number {
    return this.#clock.watermark;
  }

  /** The input offset the task's last commit recorded (undefined: none yet): where it resumes. */
  get committedOffset(): bigint | undefined {
    return this.#committedOffset;
  }

  usage(): Promise<StateUsage> {
    return this.state.usage();
  }

  #input(): { topic: string; partition: number } {
    return { topic: this.config.stage.topic, partition: this.config.partition };
  }

  /** At-least-once output: acknowledged before the offsets that produced it can commit. */
  async #sendNow(topic: string, records: OutRecord[]): Promise<void> {
    await this.direct!.send(topic, records);
    await this.direct!.flush();
  }

  /** Something goes into the open transaction (opened here if need be): the next commit has work. */
  async #changing(): Promise<void> {
    if (!this.sink.inTransaction) await this.sink.begin();
    this.#dirty = true;
  }

  async #send(topic: string, records: OutRecord[]): Promise<void> {
    await this.#changing();
    await this.sink.send(topic, records);
  }

  /** Step 1: records the job cannot use go to the dead-letter topic inside the transaction. */
  async deadLetters(rejected: readonly RejectedRecord[]): Promise<void> {
    this.#assertOpen();
    if (rejected.length === 0) return;
    await this.#changing();
    await this.dlq.write(rejected);
    const byReason = new Map<DeadLetterReason, number>();
    for (const r of rejected) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
    for (const [reason, n] of byReason) this.config.onDeadLetters?.(reason, n);
  }

  /**
   * Step 1, source stages: decoded records of the input partition. Only the event times the
   * executor admitted move the watermark; what it gave up (a bad time, a function that kept
   * throwing) is dead-lettered in the same transaction.
   */
  async processRecords(records: readonly SourceRecord<unknown>[]): Promise<void> {
    this.#assertOpen();
    await this.#changing();
    // A source record is its own origin (operator.ts RecordOrigin): nothing is copied.
    const newest = await this.#executor.pushInput(this.config.stage.source!.node, records.map((r) => r.value), records);
    if (newest > -Infinity) this.#clock.observe(newest);
    await this.#advance(this.#clock.watermark);
    if (this.#timed) await this.#executor.advanceProcessingTime(Date.now());
    await this.#deadLettersOfExecutor();
  }

  /** What the executor gave up since the last call, as dead letters of this task's input. */
  async #deadLettersOfExecutor(): Promise<void> {
    const given = this.#executor.takeDeadLetters();
    if (given.length > 0) await this.deadLetters(given.map((d) => rejectedRecordOf(d, this.#input())));
  }

  /**
   * Results of fired windows (or of exchanges) wait, or the task has not yet committed the input its
   * partition held when it opened (a restore, confirmed only then): checkpoint/commit-policy.ts
   * commits such a task as soon as it has caught up. A commit before that (at the interval, with
   * part of the backlog) does not count, or the rest would wait a whole interval.
   */
  get commitDue(): boolean {
    return this.#fired || !this.#restoreCommitted;
  }

  /** Moves event time; at +∞ (the input ended) pending processing-time timers fire too, once. */
  async #advance(watermark: number): Promise<void> {
    if (watermark <= this.#executor.watermark) return;
    this.#advancing = true;
    try {
      if (watermark === Infinity) await this.#executor.endOfInput();
      else await this.#executor.advanceWatermark(watermark);
    } finally {
      this.#advancing = false;
    }
  }

  /**
   * Step 1, exchange stages: records of the exchange partition, in order. A marker that moves the
   * watermark moves it before the records after it are processed, so what is late does not depend
   * on how the records were batched (and a replay after a crash decides the same).
   */
  async processExchange(records: readonly SourceRecord<ExchangeRecord>[]): Promise<void> {
    this.#assertOpen();
    await this.#changing();
    const head = this.config.stage.stage.id;
    let batch: StreamRecord[] = [];
    const push = async (): Promise<void> => {
      if (batch.length > 0) await this.#executor.pushExchange(head, batch);
      batch = [];
    };
    for (const r of records) {
      const v = r.value;
      if (v.type === 'watermark') {
        await push();
        this.#clock.mark(v);
        await this.#advance(this.#clock.watermark);
      } else if (v.type === 'record') batch.push({ value: v.v, timestamp: v.t, key: v.k, origin: r });
      else batch.push({ value: v.partial, timestamp: v.partial.windowEnd - 1 });
    }
    await push();
    if (this.#timed) await this.#executor.advanceProcessingTime(Date.now());
    await this.#deadLettersOfExecutor();
  }

  /** Processing time moved on (the member's tick): due processing-time timers fire, expired state goes. */
  async advanceTime(nowMs: number): Promise<void> {
    this.#assertOpen();
    if (!this.#timed) return;
    await this.#executor.advanceProcessingTime(nowMs);
    if (this.state.changed) this.#dirty = true;
    await this.#deadLettersOfExecutor();
  }

  /** Bounded mode: the source partition is exhausted; the watermark goes to +∞ and every window fires. */
  async end(): Promise<void> {
    this.#assertOpen();
    this.#clock.end();
    await this.#changing();
    await this.#advance(Infinity);
    await this.#deadLettersOfExecutor();
  }

  /**
   * Steps 2–6: commits what was processed, with the input offset to resume from. Returns the bytes of
   * state changes committed, or undefined when there was nothing to commit.
   */
  async commit(nextInputOffset: bigint | undefined, idle = false): Promise<{ sizeBytes: number } | undefined> {
    // A commit queued before the task was closed (a rebalance moved it away mid-tick) must not run:
    // its producer would reconnect, fence the new owner and commit changes whose outputs were aborted.
    if (this.#closing) return undefined;
    const { stage } = this.config;
    const marker = this.#clock.markerToSend(this.id, idle);
    const offsetMoved = nextInputOffset !== undefined && nextInputOffset !== this.#committedOffset;
    if (!this.#dirty && !marker && !offsetMoved) return undefined;
    if (!this.sink.inTransaction) await this.sink.begin();
    // 2. Operators' heap caches, and the task's own progress, go into the state (and so the changelog).
    await this.#executor.flush();
    await this.state.write({ puts: this.#clock.entries(nextInputOffset ?? this.#committedOffset ?? this.resumeOffset), deletes: [] });
    // 3. Every state change to the changelog partition.
    const { partition } = this.config;
    const changes = this.state.pending();
    const sizeBytes = changes.reduce((n, c) => n + c.key.length + (c.value?.length ?? 0), 0);
    await this.sink.send(stage.changelog, changes.map((c) => ({ key: c.key, value: c.value, partition })));
    // 4. The watermark marker, to every partition of every exchange the stage writes.
    if (marker) {
      const value = JSON.stringify(marker);
      for (const exit of stage.exits) await this.sink.send(exit.topic, Array.from({ length: exit.partitions }, (_, p) => ({ key: this.id, value, partition: p })));
    }
    // 5. Input offsets and everything above, atomically.
    const offsets = nextInputOffset === undefined ? [] : [{ topic: stage.topic, partition, offset: nextInputOffset }];
    await this.sink.commit({ consumerGroupId: stage.groupId, offsets });
    // 6. Local state catches up with what is now committed.
    const reached = this.sink.nextOffset(stage.changelog, partition);
    await this.state.apply(reached === undefined ? {} : { changelog: (reached + 1n).toString() });
    this.#dirty = false;
    this.#fired = false;
    this.#committedOffset = nextInputOffset ?? this.#committedOffset;
    if (!this.#restoreCommitted && (this.#committedOffset ?? -1n) >= this.#endAtOpen) {
      this.#restoreCommitted = true;
      // After a restart: the input at the kill is safe again (what recovery is measured by).
      this.config.logger.debug(`restore committed ${Date.now() - this.#openedAt} ms after its open`, { resumeOffset: this.resumeOffset, next: nextInputOffset });
    }
    if (marker) this.#clock.sent(marker);
    return { sizeBytes };
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.state.discard();
    try {
      if (this.sink.inTransaction) await this.sink.abort();
    } finally {
      await this.sink.disconnect().catch(() => undefined);
      await this.direct?.disconnect().catch(() => undefined);
      await this.closeState();
    }
  }

  /**
   * Closes the local store only (once). A member whose Kafka clients hang closes its tasks' stores
   * this way before its thread ends: an open RocksDB keeps its folder locked for the whole process.
   */
  async closeState(): Promise<void> {
    if (this.#stateClosed) return;
    this.#stateClosed = true;
    await this.state.close();
  }

  /** The task was closed (moved away or its member stopping): queued work on it is skipped. */
  get closed(): boolean {
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error(`task ${this.id} is closed`);
  }

}

