/**
 * A task: the unit of exactly-once processing. A partition task owns one input partition (and the
 * state of the keys that arrive on it); the merge task owns the partials topic. Each has its own
 * transactional producer (transactional id stable per partition, so a new owner fences the old
 * one), its own changelog partition and its own local store. The commit order is in
 * checkpoint/commit-protocol.ts; the numbered steps below refer to it.
 */
import { join } from 'node:path';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { KafkaDeadLetterQueue, type DeadLetterReason, type RejectedRecord } from '../../connectors/kafka/dead-letter.js';
import { KafkaSink, type OutRecord } from '../../connectors/kafka/sink.js';
import type { SourceRecord } from '../../connectors/kafka/source.js';
import { encodeWatermark, INITIAL_PROGRESS, mergeWatermark, observe, partitionWatermark, type TaskProgress, type WatermarkMarker } from '../checkpoint/commit-protocol.js';
import { graphFingerprint, portableEntries, readEntries, replaceState, type SavepointTask } from '../checkpoint/savepoint.js';
import type { PartialTopK } from '../operators/top-k-local.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import type { StateUsage } from '../state/state-backend.js';
import { resumePoint } from '../state/state-identity.js';
import { META_PREFIX, TransactionalState } from '../state/transactional-state.js';
import { recoverFromChangelog } from './changelog-recovery.js';
import { LocalExecutor } from './local-executor.js';
import { openLocalState, verifiedLocalState } from './local-state.js';
import { FatalJobError } from './member-failure.js';
import type { PartialsRecord } from './partials-record.js';
import type { TaskConfig } from './task-config.js';
import { rejectedRecordOf } from './task-dead-letters.js';

const PROGRESS_KEY = Buffer.concat([META_PREFIX, Buffer.from('progress')]);
const MARKERS_KEY = Buffer.concat([META_PREFIX, Buffer.from('markers')]);
/**
 * The progress entry also carries the input offset it was committed with (absent when an older Eddy
 * wrote it): the changelog then says where the input resumes even when the group's offsets are gone.
 */
type StoredProgress = TaskProgress & { offset?: string };

export class Task {
  #executor!: LocalExecutor;
  #progress: TaskProgress = INITIAL_PROGRESS;
  #markers = new Map<number, WatermarkMarker>();
  #dirty = false;
  #sentMarker = '';
  #committedOffset: bigint | undefined;
  /** Inside an advance of the watermark (what it emits are fired windows). */
  #advancing = false;
  #fired = false;
  #committedSinceOpen = false;
  #stateClosed = false;
  #closing = false;
  readonly #outputs: Record<string, number> = {};

  private constructor(
    readonly config: TaskConfig,
    private readonly state: TransactionalState,
    private readonly sink: KafkaSink,
    private readonly sinkTopics: Map<string, string>,
    private readonly dlq: KafkaDeadLetterQueue,
    /** The at-least-once output producer. */
    private readonly direct: KafkaSink | undefined,
  ) {}

  /**
   * Opens the task: fences older owners, checks that local state was built from this changelog,
   * group and job graph (else wipes it), replays the changelog into it, restores.
   */
  static async open(config: TaskConfig): Promise<Task> {
    const { job, input } = config;
    const dir = join(config.stateDir, `${config.mode}-${input.topic}-${input.partition}`);
    const opened = config.stateBackend === 'memory' ? new MemoryStateBackend() : await openLocalState(dir);
    const sink = new KafkaSink(config.kafka, { mode: 'transactional', transactionalId: config.transactionalId, batchSize: 10_000 });
    await sink.connect();
    // Fence first: kafkajs registers the transactional id with the first transaction, so open and drop
    // an empty one. From here on an older owner can commit nothing more (its open transaction is
    // aborted), so the committed offset and the changelog read next are final.
    await sink.begin();
    await sink.abort();
    const admin = new KafkaAdmin(config.kafka);
    await admin.connect();
    const changelog = { topic: config.topics.changelog, partition: config.mode === 'merge' ? 0 : input.partition };
    const [committed, changelogEnd, inputEnd] = await Promise.all([
      admin.committedOffsets(input.groupId, input.topic),
      admin.offsets(changelog.topic).then((os) => os.find((o) => o.partition === changelog.partition)?.high ?? 0n),
      admin.offsets(input.topic).then((os) => os.find((o) => o.partition === input.partition)?.high ?? 0n),
    ]).finally(() => admin.disconnect());
    const groupOffset = committed.get(input.partition) ?? -1n;
    // As before: a savepoint seeds only a task whose group has no progress (the CLI checks the group).
    const seeding = config.savepoint !== undefined && groupOffset < 0n ? config.savepoint : undefined;
    const { store, wiped } = await verifiedLocalState(opened, {
      dir: config.stateBackend === 'memory' ? undefined : dir, kafka: config.kafka, changelog, changelogEnd,
      group: input.groupId, fingerprint: graphFingerprint(job.graph), savepoint: seeding?.dir,
    });
    if (wiped) config.log(`task ${config.mode}:${input.topic}-${input.partition}: ${wiped}: wiped ${dir}, rebuilding from the changelog`);
    const state = new TransactionalState(store);
    const sinkTopics = new Map(job.graph.nodes.flatMap((n) => (n.kind === 'sink' ? [[n.id, n.config.topic] as const] : [])));
    const source = job.graph.nodes.find((n) => n.kind === 'source');
    const dlq = new KafkaDeadLetterQueue(sink, source?.kind === 'source' ? source.config.deadLetterTopic : `${input.topic}-dlq`, config.deadLetterMaxBytes);
    const direct = config.guarantee === 'at-least-once' ? new KafkaSink(config.kafka, { mode: 'idempotent', batchSize: 10_000 }) : undefined;
    await direct?.connect();
    const task = new Task(config, state, sink, sinkTopics, dlq, direct);
    task.#committedOffset = groupOffset >= 0n ? groupOffset : undefined;
    await task.#recover();
    if (seeding) await task.#seed(seeding);
    else await task.#resume(inputEnd);
    return task;
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
    // The merge stage starts its (new) partials topic from the beginning.
    const offset = savepoint.task.offset === null ? 0n : BigInt(savepoint.task.offset);
    await this.commit(offset);
    this.resumeOffset = offset;
    const earlier = replaced > 0 ? ` (replacing ${replaced} entries the changelog held)` : '';
    this.config.log(`task ${this.#name()}: restored ${entries.length} entries from savepoint ${savepoint.dir}${earlier}, resuming at offset ${offset}`);
  }

  /** The task's committed state and input offset (for a savepoint; call between commits). */
  async dump(): Promise<{ offset: bigint | undefined; entries: [Buffer, Buffer][] }> {
    if (this.#dirty) throw new Error(`task ${this.#name()}: a savepoint needs the task committed first`);
    return { offset: this.config.mode === 'merge' ? undefined : this.#committedOffset, entries: await portableEntries(this.state.base) };
  }

  /**
   * The input offset the task resumes at (undefined: none yet): the one its state was committed with,
   * which is the group's committed offset unless that is gone. The consumer may have fetched from an
   * older position before the fence; records below this offset are already in state.
   */
  resumeOffset: bigint | undefined;

  get outputs(): Readonly<Record<string, number>> {
    return this.#outputs;
  }

  /** Replays the changelog tail into the store (changelog-recovery.ts), then builds the operators over it. */
  async #recover(): Promise<void> {
    await recoverFromChangelog({
      state: this.state, sink: this.sink, kafka: this.config.kafka, changelog: this.config.topics.changelog, partition: this.#changelogPartition(),
      group: this.config.input.groupId, fingerprint: graphFingerprint(this.config.job.graph), log: (line) => this.config.log(`task ${this.#name()}: ${line}`),
    });
    await this.#rebuild();
  }

  /**
   * Where the input resumes: at the offset the state was committed with (state-identity.ts). Input
   * that no longer holds that offset was recreated: no restart can help, so the job stops.
   */
  async #resume(inputEnd: bigint): Promise<void> {
    const [stored] = await this.state.getMany([PROGRESS_KEY]);
    const recorded = stored ? (JSON.parse(stored.toString()) as StoredProgress).offset : undefined;
    const { topic, partition } = this.config.input;
    const point = resumePoint({ committed: this.#committedOffset, recorded: recorded === undefined ? undefined : BigInt(recorded), inputEnd, input: `${topic} partition ${partition}` });
    if ('error' in point) {
      await this.close();
      throw new FatalJobError(`task ${this.#name()}: ${point.error}`);
    }
    if (point.why) this.config.log(`task ${this.#name()}: ${point.why}`);
    this.resumeOffset = point.offset;
  }

  /** A fresh executor over committed state (after recovery or an aborted transaction). */
  async #rebuild(): Promise<void> {
    const [progress, markers] = await this.state.getMany([PROGRESS_KEY, MARKERS_KEY]);
    this.#progress = progress ? (JSON.parse(progress.toString()) as TaskProgress) : INITIAL_PROGRESS;
    this.#markers = new Map(markers ? (JSON.parse(markers.toString()) as [number, WatermarkMarker][]) : []);
    this.#executor = new LocalExecutor(this.config.job, {
      parallelism: 1,
      backends: [this.state],
      mode: this.config.mode,
      ...(this.config.limits ?? {}),
      ...(this.config.meter ? { meter: this.config.meter } : {}),
      onSink: (sinkId, records) => {
        this.#fired ||= this.#advancing;
        this.#outputs[sinkId] = (this.#outputs[sinkId] ?? 0) + records.length;
        const out = records.map((r) => ({ key: r.key, value: r.encoded }));
        return this.direct ? this.#sendNow(this.sinkTopics.get(sinkId)!, out) : this.#send(this.sinkTopics.get(sinkId)!, out);
      },
      onPartials: (topK, partials) => {
        this.#fired ||= this.#advancing;
        return this.#send(this.config.topics.partials!, partials.map((p) => ({ key: String(this.config.input.partition), value: JSON.stringify({ type: 'partial', topK, partial: p.value as PartialTopK } satisfies PartialsRecord), partition: 0 })));
      },
    });
    await this.#executor.restore(this.#watermark());
  }

  /** The task's event-time watermark. */
  get watermark(): number {
    return this.#watermark();
  }

  /** The input offset the task's last commit recorded (undefined: none yet): where it resumes. */
  get committedOffset(): bigint | undefined {
    return this.#committedOffset;
  }

  usage(): Promise<StateUsage> {
    return this.state.usage();
  }

  #watermark(): number {
    if (this.config.mode === 'merge') return mergeWatermark(this.#markers, this.config.inputPartitions);
    const source = this.config.job.graph.nodes.find((n) => n.kind === 'source');
    return partitionWatermark(this.#progress, source?.kind === 'source' ? source.config.outOfOrdernessMs : 0);
  }

  /** At-least-once output: acknowledged before the offsets that produced it can commit. */
  async #sendNow(topic: string, records: OutRecord[]): Promise<void> {
    await this.direct!.send(topic, records);
    await this.direct!.flush();
  }

  async #send(topic: string, records: OutRecord[]): Promise<void> {
    if (!this.sink.inTransaction) await this.sink.begin();
    this.#dirty = true;
    await this.sink.send(topic, records);
  }

  /** Step 1: records the job cannot use go to the dead-letter topic inside the transaction. */
  async deadLetters(rejected: readonly RejectedRecord[]): Promise<void> {
    this.#assertOpen();
    if (rejected.length === 0) return;
    if (!this.sink.inTransaction) await this.sink.begin();
    this.#dirty = true;
    await this.dlq.write(rejected);
    const byReason = new Map<DeadLetterReason, number>();
    for (const r of rejected) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
    for (const [reason, n] of byReason) this.config.onDeadLetters?.(reason, n);
  }

  /**
   * Step 1, partition tasks: decoded records of the input partition. Only the event times the
   * executor admitted move the watermark; what it gave up (a bad time, a function that kept
   * throwing) is dead-lettered in the same transaction.
   */
  async processRecords(records: readonly SourceRecord<unknown>[]): Promise<void> {
    this.#assertOpen();
    if (!this.sink.inTransaction) await this.sink.begin();
    this.#dirty = true;
    const source = this.config.job.graph.nodes.find((n) => n.kind === 'source')!;
    // A source record is its own origin (operator.ts RecordOrigin): nothing is copied.
    const newest = await this.#executor.pushInput(source.id, records.map((r) => r.value), records);
    if (newest > -Infinity) this.#progress = observe(this.#progress, [newest]);
    await this.#advance(this.#watermark());
    await this.#deadLettersOfExecutor();
  }

  /** What the executor gave up since the last call, as dead letters of this task's input. */
  async #deadLettersOfExecutor(): Promise<void> {
    const given = this.#executor.takeDeadLetters();
    if (given.length > 0) await this.deadLetters(given.map((d) => rejectedRecordOf(d, this.config.input)));
  }

  /**
   * Windows fired since the last commit. The member commits such a task at once rather than at the
   * next interval: a window's result becomes visible (and the merge stage hears of it) within
   * milliseconds of the watermark passing its end, instead of up to a checkpoint interval later.
   */
  get fired(): boolean {
    return this.#fired;
  }

  /**
   * Fired windows wait, or the task has not committed since it opened. A task restored after a
   * crash so commits as soon as it has caught up: what fired while it was down becomes visible, and
   * recovery is confirmed, without waiting for the checkpoint interval.
   */
  get commitDue(): boolean {
    return this.#fired || !this.#committedSinceOpen;
  }

  async #advance(watermark: number): Promise<void> {
    this.#advancing = true;
    try {
      await this.#executor.advanceWatermark(watermark);
    } finally {
      this.#advancing = false;
    }
  }

  /** Step 1, the merge task: records of the partials topic. */
  async processPartials(records: readonly PartialsRecord[]): Promise<void> {
    this.#assertOpen();
    if (!this.sink.inTransaction) await this.sink.begin();
    this.#dirty = true;
    for (const r of records) {
      if (r.type === 'watermark') this.#markers.set(r.partition, r);
      else await this.#executor.pushPartials(r.topK, [{ value: r.partial, timestamp: r.partial.windowEnd - 1 }]);
    }
    await this.#advance(this.#watermark());
    await this.#deadLettersOfExecutor();
  }

  /** Bounded mode: the input partition is exhausted; the watermark goes to +∞ and every window fires. */
  async end(): Promise<void> {
    this.#assertOpen();
    this.#progress = { ...this.#progress, watermark: 'end' };
    if (!this.sink.inTransaction) await this.sink.begin();
    this.#dirty = true;
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
    const marker: WatermarkMarker = { type: 'watermark', partition: this.config.input.partition, watermark: this.#progress.watermark === 'end' ? 'end' : encodeWatermark(this.#watermark()), idle };
    const markerChanged = this.config.mode === 'partition' && this.config.topics.partials !== undefined && JSON.stringify(marker) !== this.#sentMarker;
    const offsetMoved = nextInputOffset !== undefined && nextInputOffset !== this.#committedOffset;
    if (!this.#dirty && !markerChanged && !offsetMoved) return undefined;
    if (!this.sink.inTransaction) await this.sink.begin();
    // 2. Operators' heap caches, and the task's own progress, go into the state (and so the changelog).
    await this.#executor.flush();
    await this.state.write({
      puts: [
        [PROGRESS_KEY, Buffer.from(JSON.stringify({ ...this.#progress, offset: (nextInputOffset ?? this.#committedOffset ?? this.resumeOffset)?.toString() } satisfies StoredProgress))],
        ...(this.config.mode === 'merge' ? [[MARKERS_KEY, Buffer.from(JSON.stringify([...this.#markers]))] as const] : []),
      ],
      deletes: [],
    });
    // 3. Every state change to the changelog partition.
    const partition = this.#changelogPartition();
    const changes = this.state.pending();
    const sizeBytes = changes.reduce((n, c) => n + c.key.length + (c.value?.length ?? 0), 0);
    await this.sink.send(this.config.topics.changelog, changes.map((c) => ({ key: c.key, value: c.value, partition })));
    // 4. The watermark marker for the merge stage.
    if (markerChanged) await this.sink.send(this.config.topics.partials!, [{ key: String(marker.partition), value: JSON.stringify(marker), partition: 0 }]);
    // 5. Input offsets and everything above, atomically.
    const offsets = nextInputOffset === undefined ? [] : [{ topic: this.config.input.topic, partition: this.config.input.partition, offset: nextInputOffset }];
    await this.sink.commit({ consumerGroupId: this.config.input.groupId, offsets });
    // 6. Local state catches up with what is now committed.
    const reached = this.sink.nextOffset(this.config.topics.changelog, partition);
    await this.state.apply(reached === undefined ? {} : { changelog: (reached + 1n).toString() });
    this.#dirty = false;
    this.#fired = false;
    this.#committedSinceOpen = true;
    this.#committedOffset = nextInputOffset ?? this.#committedOffset;
    if (markerChanged) this.#sentMarker = JSON.stringify(marker);
    return { sizeBytes };
  }

  /** Drops everything since the last commit: the caller re-reads from the committed offset. */
  async abort(): Promise<void> {
    if (this.sink.inTransaction) await this.sink.abort();
    this.state.discard();
    this.#dirty = false;
    this.#fired = false;
    await this.#rebuild();
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
    if (this.#closing) throw new Error(`task ${this.#name()} is closed`);
  }

  #changelogPartition(): number {
    return this.config.mode === 'merge' ? 0 : this.config.input.partition;
  }

  #name(): string {
    return `${this.config.mode}:${this.config.input.topic}-${this.config.input.partition}`;
  }
}
