/**
 * A task: the unit of exactly-once processing. A partition task owns one input partition (and the
 * state of the keys that arrive on it); the merge task owns the partials topic. Each has its own
 * transactional producer (transactional id stable per partition, so a new owner fences the old
 * one), its own changelog partition and its own local store. The commit order is in
 * checkpoint/commit-protocol.ts; the numbered steps below refer to it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { KafkaDeadLetterQueue, type RejectedRecord } from '../../connectors/kafka/dead-letter.js';
import { readPartition } from '../../connectors/kafka/partition-reader.js';
import { KafkaSink, type OutRecord } from '../../connectors/kafka/sink.js';
import type { BuiltJob } from '../api/job-builder.js';
import { encodeWatermark, INITIAL_PROGRESS, mergeWatermark, observe, partitionWatermark, type TaskProgress, type WatermarkMarker } from '../checkpoint/commit-protocol.js';
import type { OperatorMeter } from '../metrics/member-metrics.js';
import type { PartialTopK } from '../operators/top-k-local.js';
import type { StateUsage } from '../state/state-backend.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import { RocksDbStateBackend } from '../state/rocksdb-backend.js';
import { META_PREFIX, TransactionalState, metaKey } from '../state/transactional-state.js';
import { readEntries, type SavepointTask } from '../checkpoint/savepoint.js';
import { LocalExecutor } from './local-executor.js';

/** A record on the partials topic. */
export type PartialsRecord = { type: 'partial'; topK: string; partial: PartialTopK } | WatermarkMarker;

export interface TaskConfig {
  job: BuiltJob;
  kafka: KafkaClientOptions;
  mode: 'partition' | 'merge';
  /** The topic and partition this task reads, and the group its offsets are committed for. */
  input: { topic: string; partition: number; groupId: string };
  /** Input partitions of the job (the merge waits for a marker from each). */
  inputPartitions: number;
  topics: { changelog: string; partials: string | undefined };
  stateDir: string;
  stateBackend: 'rocksdb' | 'memory';
  transactionalId: string;
  log: (line: string) => void;
  meter?: OperatorMeter;
  /**
   * `exactly-once` (default): outputs are written inside the task's transactions. `at-least-once`:
   * outputs of sinks go out at once through a plain idempotent producer, visible before the commit;
   * after a crash the re-processed records write them again. State, offsets, partials and dead letters
   * stay transactional either way, so state is never counted twice.
   */
  guarantee?: 'exactly-once' | 'at-least-once';
  /** Seeds a task that has no committed progress yet with this task's state from a savepoint. */
  savepoint?: { dir: string; task: SavepointTask };
}

const PROGRESS_KEY = Buffer.concat([META_PREFIX, Buffer.from('progress')]);
const MARKERS_KEY = Buffer.concat([META_PREFIX, Buffer.from('markers')]);
/** Local bookkeeping (how far the changelog is applied): not part of the state a savepoint moves. */
const CHANGELOG_POSITION_KEY = metaKey('changelog');

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

  /** Opens the task: fences older owners, replays the changelog tail into local state, restores. */
  static async open(config: TaskConfig): Promise<Task> {
    const { job, input } = config;
    const dir = join(config.stateDir, `${config.mode}-${input.topic}-${input.partition}`);
    mkdirSync(dir, { recursive: true });
    const base = config.stateBackend === 'memory' ? new MemoryStateBackend() : await openLocalState(dir);
    const state = new TransactionalState(base);
    const sink = new KafkaSink(config.kafka, { mode: 'transactional', transactionalId: config.transactionalId, batchSize: 10_000 });
    await sink.connect();
    // Fence first: kafkajs registers the transactional id with the first transaction, so open and drop
    // an empty one. From here on an older owner can commit nothing more (its open transaction is
    // aborted), so the committed offset and the changelog read next are final.
    await sink.begin();
    await sink.abort();
    const admin = new KafkaAdmin(config.kafka);
    await admin.connect();
    const committed = await admin.committedOffsets(input.groupId, input.topic).finally(() => admin.disconnect());
    const sinkTopics = new Map(job.graph.nodes.flatMap((n) => (n.kind === 'sink' ? [[n.id, n.config.topic] as const] : [])));
    const source = job.graph.nodes.find((n) => n.kind === 'source');
    const dlq = new KafkaDeadLetterQueue(sink, source?.kind === 'source' ? source.config.deadLetterTopic : `${input.topic}-dlq`);
    const direct = config.guarantee === 'at-least-once' ? new KafkaSink(config.kafka, { mode: 'idempotent', batchSize: 10_000 }) : undefined;
    await direct?.connect();
    const task = new Task(config, state, sink, sinkTopics, dlq, direct);
    const from = committed.get(input.partition) ?? -1n;
    task.resumeOffset = from >= 0n ? from : undefined;
    task.#committedOffset = task.resumeOffset;
    await task.#recover();
    if (config.savepoint && task.resumeOffset === undefined) await task.#seed(config.savepoint);
    return task;
  }

  /**
   * The first run after `--from-savepoint`: the savepoint's state and input offset are committed in
   * one transaction (state through the changelog). Later restarts find that committed offset and
   * recover normally, so the savepoint is applied exactly once.
   */
  async #seed(savepoint: { dir: string; task: SavepointTask }): Promise<void> {
    const entries = await readEntries(savepoint.dir, savepoint.task);
    await this.state.write({ puts: entries, deletes: [] });
    await this.#rebuild();
    this.#dirty = true;
    // The merge stage starts its (new) partials topic from the beginning.
    const offset = savepoint.task.offset === null ? 0n : BigInt(savepoint.task.offset);
    await this.commit(offset);
    this.resumeOffset = offset;
    this.config.log(`task ${this.#name()}: restored ${entries.length} entries from savepoint ${savepoint.dir}, resuming at offset ${offset}`);
  }

  /** The task's committed state and input offset (for a savepoint; call between commits). */
  async dump(): Promise<{ offset: bigint | undefined; entries: [Buffer, Buffer][] }> {
    if (this.#dirty) throw new Error(`task ${this.#name()}: a savepoint needs the task committed first`);
    const entries: [Buffer, Buffer][] = [];
    for await (const [k, v] of this.state.base.scan({ gte: Buffer.alloc(0), lt: Buffer.from([0xff, 0xff, 0xff, 0xff]) })) {
      if (!k.equals(CHANGELOG_POSITION_KEY)) entries.push([k, v]);
    }
    return { offset: this.config.mode === 'merge' ? undefined : this.#committedOffset, entries };
  }

  /**
   * The committed input offset when the task opened (undefined: none yet). The consumer may have
   * fetched from an older position before the fence; records below this offset are already in state.
   */
  resumeOffset: bigint | undefined;

  get outputs(): Readonly<Record<string, number>> {
    return this.#outputs;
  }

  async #recover(): Promise<void> {
    const { changelog } = this.config.topics;
    const partition = this.#changelogPartition();
    const local = await this.state.meta('changelog');
    const from = local === undefined ? 0n : BigInt(local);
    const { end, records } = await readPartition(this.config.kafka, changelog, partition, from, async (recs) => {
      await this.state.base.write({
        puts: recs.filter((r) => r.value !== null && r.key !== null).map((r) => [r.key!, r.value!] as const),
        deletes: recs.filter((r) => r.value === null && r.key !== null).map((r) => r.key!),
      });
    });
    if (end > from) await this.state.apply({ changelog: end.toString() });
    if (records > 0) this.config.log(`task ${this.#name()}: replayed ${records} changelog records (${from}..${end})`);
    await this.#rebuild();
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

  /** Step 1: records that failed decoding go to the dead-letter topic inside the transaction. */
  async deadLetters(rejected: readonly RejectedRecord[]): Promise<void> {
    this.#assertOpen();
    if (rejected.length === 0) return;
    if (!this.sink.inTransaction) await this.sink.begin();
    this.#dirty = true;
    await this.dlq.write(rejected);
  }

  /** Step 1, partition tasks: decoded records of the input partition. */
  async processRecords(values: readonly unknown[], timestamps: readonly number[]): Promise<void> {
    this.#assertOpen();
    if (!this.sink.inTransaction) await this.sink.begin();
    this.#dirty = true;
    this.#progress = observe(this.#progress, timestamps);
    const source = this.config.job.graph.nodes.find((n) => n.kind === 'source')!;
    await this.#executor.pushSource(source.id, values);
    await this.#advance(this.#watermark());
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
  }

  /** Bounded mode: the input partition is exhausted; the watermark goes to +∞ and every window fires. */
  async end(): Promise<void> {
    this.#assertOpen();
    this.#progress = { ...this.#progress, watermark: 'end' };
    if (!this.sink.inTransaction) await this.sink.begin();
    this.#dirty = true;
    await this.#advance(Infinity);
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
        [PROGRESS_KEY, Buffer.from(JSON.stringify(this.#progress))],
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

/**
 * Opens a task's RocksDB folder. When the task just moved from another member thread of this
 * process, that thread may still be closing it (RocksDB allows one open per process): wait for it
 * rather than fail this member, which would only start another rebalance.
 */
async function openLocalState(dir: string, waitMs = 60_000): Promise<RocksDbStateBackend> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await RocksDbStateBackend.open(dir);
    } catch (e) {
      if (!/lock hold by current process/.test((e as Error).message) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
