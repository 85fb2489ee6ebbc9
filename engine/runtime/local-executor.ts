/**
 * Runs a job graph, or one stage of it, inside one thread with P tasks ("lanes"): records are routed
 * to a lane by key group at each keyBy; each lane has its own operator instances and state backend;
 * a topK node has a local phase per lane and one merge phase. The operator test harness runs whole
 * jobs; a runner's task runs its stage with one lane, its exchanges going through Kafka.
 */
import type { EncodedRecord, FunctionTable } from '../api/functions.js';
import type { OperatorMeter } from '../metrics/member-metrics.js';
import type { BuiltJob } from '../api/job-builder.js';
import { consumersOf, type GraphNode, type JobGraph, type Port } from '../graph/job-graph.js';
import type { Stage } from '../graph/stage-plan.js';
import type { Operator, OperatorContext, Output, RecordOrigin, StreamRecord } from '../operators/operator.js';
import { SKIPPED } from '../operators/user-code.js';
import { keyGroupOf, keyGroupRange, subtaskOfKeyGroup } from '../state/key-groups.js';
import type { StateBackend } from '../state/state-backend.js';
import { MAX_EVENT_TIME_MS, eventTimeProblem } from '../time/event-time.js';
import { buildMergeOperator, buildOperator, tablesNeeded } from './build-operators.js';
import { DEFAULT_USER_CODE_POLICY, UserCodeGuard, errorMessage } from './user-code-guard.js';

/** What a sink received: the value and the encoded record. */
export interface SinkRecord {
  value: unknown;
  timestamp: number;
  key: string | Buffer | null;
  encoded: string | Buffer;
}

class Collector implements Output {
  readonly main: StreamRecord[] = [];
  readonly late: StreamRecord[] = [];
  emit(record: StreamRecord, port: Port = 'main'): void {
    (port === 'late' ? this.late : this.main).push(record);
  }
}

/**
 * A record the executor gave up on: its event time cannot be used (`time`), or a user function kept
 * throwing on it (`user-code`, with the node). The task dead-letters it; the harness keeps it.
 */
export interface ExecutorDeadLetter {
  reason: 'time' | 'user-code';
  detail: string;
  operator?: string;
  /** The value as the failing node saw it (a window's result: its key and window). */
  value: unknown;
  origin?: RecordOrigin;
}

/** Top-K groups per window when nothing else is said (`--max-groups`). */
export const DEFAULT_MAX_GROUPS = 1_000;

export interface ExecutorOptions {
  parallelism: number;
  /**
   * The stage this executor runs (a task's; graph/stage-plan.ts): only its nodes run, and records
   * leave at its exits through `onExchange`. Absent: the whole job, its exchanges in memory.
   */
  stage?: Stage;
  /** Records leaving the stage at an exit: keyed records at a repartitioning keyBy, partial top-Ks at a top-K. */
  onExchange?: (node: string, records: readonly StreamRecord[]) => void | Promise<void>;
  /** One state backend per lane. */
  backends: readonly StateBackend[];
  /** Processing time at start (default: the wall clock); see {@link LocalExecutor.advanceProcessingTime}. */
  nowMs?: number;
  /** Receives everything sinks get, per sink node id (default: kept in memory, see `sinkOutput`). */
  onSink?: (sinkId: string, records: readonly SinkRecord[]) => void | Promise<void>;
  /** Counts records in and out of each operator (metrics). */
  meter?: OperatorMeter;
  /** Heap cache per stateful operator instance, in entries (default {@link DEFAULT_CACHE_ENTRIES}). */
  cacheEntries?: number;
  /** Top-K groups per window at most (default {@link DEFAULT_MAX_GROUPS}). */
  maxGroups?: number;
  /** Input event times further than this ahead of their Kafka timestamp are dead-lettered (0: not checked; event-time.ts). */
  maxFutureSkewMs?: number;
}

/** Window slices of 100k keys per task: about 20 MB of heap each. */
export const DEFAULT_CACHE_ENTRIES = 100_000;

export class LocalExecutor {
  readonly graph: JobGraph;
  readonly #functions: FunctionTable;
  readonly #parallelism: number;
  /** Operator instances per lane, of the nodes that run here (a top-K: its local phase). */
  readonly #instances = new Map<string, (Operator | undefined)[]>();
  readonly #merges = new Map<string, Operator>();
  readonly #sinks = new Map<string, SinkRecord[]>();
  readonly #onSink: ExecutorOptions['onSink'];
  readonly #stage: Stage | undefined;
  readonly #exits: ReadonlySet<string>;
  readonly #onExchange: ExecutorOptions['onExchange'];
  readonly #meter: OperatorMeter | undefined;
  /** Consumers of each node's port (`id:port`), looked up per batch. */
  readonly #consumers = new Map<string, GraphNode[]>();
  readonly #userCode: UserCodeGuard;
  readonly #deadLetters: ExecutorDeadLetter[] = [];
  readonly #maxFutureSkewMs: number;
  #watermark = -Infinity;
  #now: number;

  constructor(job: BuiltJob, opts: ExecutorOptions) {
    this.graph = job.graph;
    this.#functions = job.functions;
    this.#parallelism = opts.parallelism;
    this.#onSink = opts.onSink;
    this.#stage = opts.stage;
    this.#exits = new Set(opts.stage?.exits ?? []);
    this.#onExchange = opts.onExchange;
    this.#meter = opts.meter;
    if (this.#exits.size > 0 && !this.#onExchange) throw new Error(`stage '${opts.stage!.id}' has exits: it needs onExchange`);
    this.#now = opts.nowMs ?? Date.now();
    this.#maxFutureSkewMs = opts.maxFutureSkewMs ?? 0;
    this.#userCode = new UserCodeGuard(this.graph.userCode ?? DEFAULT_USER_CODE_POLICY, (f) => {
      this.#deadLetters.push({ reason: 'user-code', detail: errorMessage(f.error), operator: f.operator, value: f.value, ...(f.origin ? { origin: f.origin } : {}) });
    });
    if (opts.backends.length !== opts.parallelism) throw new Error(`expected ${opts.parallelism} state backends, got ${opts.backends.length}`);
    const here = new Set(opts.stage?.nodes ?? this.graph.nodes.map((n) => n.id));
    let nextTable = 1;
    for (const node of this.graph.nodes) {
      for (const port of ['main', 'late'] as const) this.#consumers.set(`${node.id}:${port}`, consumersOf(this.graph, node.id, port));
      // Tables are reserved for every node, running here or not: the layout is the graph's.
      const tables = Array.from({ length: tablesNeeded(node.kind) }, () => nextTable++);
      if (nextTable > 255) throw new Error('too many stateful operators in one job (at most 127)');
      if (!here.has(node.id)) continue;
      // Counters a dashboard shows exist from the start, at 0, not only after a first record.
      opts.meter?.operator?.(node.id, node.kind === 'window' ? ['in', 'out', 'late'] : ['in', 'out']);
      const context = (lane: number): OperatorContext => ({
        node: node.id,
        userCode: this.#userCode,
        maxGroups: opts.maxGroups ?? DEFAULT_MAX_GROUPS,
        ...(opts.meter ? { meter: opts.meter } : {}),
        backend: opts.backends[lane]!,
        tables,
        keyGroups: keyGroupRange(lane, this.#parallelism, this.graph.maxParallelism),
        maxParallelism: this.graph.maxParallelism,
        cacheEntries: opts.cacheEntries ?? DEFAULT_CACHE_ENTRIES,
        now: () => this.#now,
      });
      // A top-K heading this stage runs its merge phase only; elsewhere its local phase (and, for a whole job, both).
      const mergeHere = node.kind === 'topK' && (!opts.stage || opts.stage.id === node.id);
      if (mergeHere) this.#merges.set(node.id, buildMergeOperator(node, context(0)));
      if (!(mergeHere && opts.stage)) this.#instances.set(node.id, opts.backends.map((_, lane) => buildOperator(node, this.#functions, context(lane))));
    }
  }

  get watermark(): number {
    return this.#watermark;
  }

  /** Records a sink received so far (when no `onSink` was given). */
  sinkOutput(sinkId: string): readonly SinkRecord[] {
    return this.#sinks.get(sinkId) ?? [];
  }

  /** Pushes decoded source values (see {@link pushInput}). */
  async pushSource(sourceId: string, values: readonly unknown[], lane = 0): Promise<void> {
    await this.pushInput(sourceId, values, undefined, lane);
  }

  /**
   * Pushes input values (with, from Kafka, the records they were decoded from, index for index).
   * Each gets its event time from the source's timestamp function; a record whose time cannot be
   * used (event-time.ts), or on which the function keeps throwing, does not enter the job: it is
   * dead-lettered (see {@link takeDeadLetters}). Returns the newest admitted event time (−∞: none),
   * what may move a watermark.
   */
  async pushInput(sourceId: string, values: readonly unknown[], origins?: readonly RecordOrigin[], lane = 0): Promise<number> {
    const f = this.#functions.get(sourceId);
    if (!f || f.kind !== 'source') throw new Error(`'${sourceId}' is not a source of job ${this.graph.job}`);
    const admitted: StreamRecord[] = [];
    let newest = -Infinity;
    for (let i = 0; i < values.length; i += 1) {
      const value = values[i];
      const origin = origins?.[i];
      let timestamp: number | typeof SKIPPED;
      try {
        timestamp = f.timestamp(value);
      } catch (e) {
        timestamp = this.#again(sourceId, { value, origin }, e, f.timestamp);
        if (timestamp === SKIPPED) continue;
      }
      // The usual case in one line; eventTimeProblem says what is wrong with the others.
      const fine = Number.isSafeInteger(timestamp) && timestamp >= 0 && timestamp <= MAX_EVENT_TIME_MS && (this.#maxFutureSkewMs === 0 || !origin || timestamp - origin.timestamp <= this.#maxFutureSkewMs);
      const problem = fine ? undefined : eventTimeProblem(timestamp, origin?.timestamp, this.#maxFutureSkewMs);
      if (problem !== undefined) {
        this.#deadLetters.push({ reason: 'time', detail: problem, value, ...(origin ? { origin } : {}) });
        continue;
      }
      if (timestamp > newest) newest = timestamp;
      admitted.push({ value, timestamp, origin });
    }
    this.#meter?.records(sourceId, 'out', admitted.length);
    if (admitted.length > 0) await this.#deliver(sourceId, 'main', lane, admitted);
    return newest;
  }

  /** Retries `fn` on a record it threw on (user-code-guard.ts); its own method, so the loops calling it allocate nothing per record. */
  #again<T>(node: string, r: { value: unknown; origin?: RecordOrigin | undefined }, e: unknown, fn: (value: unknown) => T): T | typeof SKIPPED {
    return this.#userCode.recover(node, r.origin ? { value: r.value, origin: r.origin } : { value: r.value }, e, () => fn(r.value));
  }

  /** The records given up since the last call (the task dead-letters them in its transaction). */
  takeDeadLetters(): ExecutorDeadLetter[] {
    return this.#deadLetters.splice(0);
  }


  /** Advances event time: every operator, in graph order, fires what is complete. */
  async advanceWatermark(watermark: number): Promise<void> {
    if (watermark <= this.#watermark) return;
    this.#watermark = watermark;
    // Window ends a node's lanes closed now, for the latency from close to commit.
    const closed = new Set<number>();
    await this.#everyOperator(
      async (op, out, node) => {
        await op.onWatermark?.(watermark, out);
        if (node.kind === 'window') windowEnds(out.main, closed);
      },
      async (node) => {
        const merge = this.#merges.get(node.id);
        if (merge) {
          const out = new Collector();
          await merge.onWatermark!(watermark, out);
          windowEnds(out.main, closed);
          this.#meter?.records(node.id, 'out', out.main.length);
          await this.#deliver(node.id, 'main', 0, out.main);
        }
        if (closed.size > 0) this.#meter?.windowsClosed?.(node.id, closed.size);
        closed.clear();
      },
    );
  }

  /**
   * Records of the stage's input exchange (its head node): keyed records for a repartitioning keyBy,
   * partial top-Ks for a top-K's merge phase.
   */
  async pushExchange(nodeId: string, records: StreamRecord[]): Promise<void> {
    if (this.#stage?.id !== nodeId) throw new Error(`'${nodeId}' does not head the stage of this executor`);
    const merge = this.#merges.get(nodeId);
    if (merge) return merge.processBatch(records, new Collector());
    for (const r of records) r.keyGroup = keyGroupOf(r.key!, this.graph.maxParallelism);
    this.#meter?.records(nodeId, 'out', records.length);
    await this.#deliver(nodeId, 'main', 0, records);
  }

  /** Advances processing time: processing-time timers that are due fire. */
  async advanceProcessingTime(nowMs: number): Promise<void> {
    if (nowMs <= this.#now) return;
    this.#now = nowMs;
    await this.#everyOperator((op, out) => op.onProcessingTime?.(nowMs, out));
  }

  /**
   * Bounded input has ended: the watermark goes to +∞ (every window fires), then every pending
   * processing-time timer fires once, as Flink does at the end of input. The clock stays as it is.
   */
  async endOfInput(): Promise<void> {
    await this.advanceWatermark(Infinity);
    await this.#everyOperator((op, out) => op.onProcessingTime?.(Infinity, out));
  }

  /**
   * Calls `hook` on every operator instance in graph order (each node's lanes, then `afterNode`),
   * delivering what it emits downstream before the next node runs.
   */
  async #everyOperator(hook: (op: Operator, out: Collector, node: GraphNode) => Promise<void> | void, afterNode?: (node: GraphNode) => Promise<void>): Promise<void> {
    for (const node of this.graph.nodes) {
      const lanes = this.#instances.get(node.id);
      for (let lane = 0; lanes && lane < lanes.length; lane += 1) {
        const op = lanes[lane];
        if (!op) continue;
        const out = new Collector();
        await hook(op, out, node);
        await this.#emitted(node, lane, out);
      }
      await afterNode?.(node);
    }
  }

  /** Operators write what they hold on the heap to their backends (before a commit). */
  async flush(): Promise<void> {
    for (const lanes of this.#instances.values()) for (const op of lanes) await op?.flush?.();
    for (const merge of this.#merges.values()) await merge.flush?.();
  }

  /** After state was restored into the backends: rebuild operator indexes and the clock. */
  async restore(watermark: number): Promise<void> {
    this.#watermark = watermark;
    for (const lanes of this.#instances.values()) for (const op of lanes) await op?.restore?.(watermark);
  }

  async #emitted(node: GraphNode, lane: number, out: Collector): Promise<void> {
    this.#meter?.records(node.id, 'late', out.late.length);
    if (node.kind === 'topK') {
      // Local partials go to the merge phase (here, or through the exchange), which emits on the watermark.
      if (out.main.length === 0) return;
      const merge = this.#merges.get(node.id);
      if (merge) await merge.processBatch(out.main, new Collector());
      else await this.#onExchange!(node.id, out.main);
      return;
    }
    this.#meter?.records(node.id, 'out', out.main.length);
    if (out.main.length > 0) await this.#deliver(node.id, 'main', lane, out.main);
    if (out.late.length > 0) await this.#deliver(node.id, 'late', lane, out.late);
  }

  async #deliver(fromId: string, port: Port, lane: number, records: StreamRecord[]): Promise<void> {
    for (const consumer of this.#consumers.get(`${fromId}:${port}`)!) await this.#process(consumer, lane, records);
  }

  async #process(node: GraphNode, lane: number, records: StreamRecord[]): Promise<void> {
    this.#meter?.records(node.id, 'in', records.length);
    if (node.kind === 'keyBy') return this.#route(node, records, this.#exits.has(node.id));
    if (node.kind === 'sink') return this.#sink(node, records);
    if (node.kind === 'union') {
      this.#meter?.records(node.id, 'out', records.length);
      return this.#deliver(node.id, 'main', lane, records);
    }
    const op = this.#instances.get(node.id)![lane]!;
    const out = new Collector();
    await op.processBatch(records, out);
    await this.#emitted(node, lane, out);
  }

  /** Keys records: to the lane owning their key group, or (`leaving`) out through the stage's exchange. */
  async #route(node: GraphNode, records: StreamRecord[], leaving: boolean): Promise<void> {
    const f = this.#functions.get(node.id);
    if (f?.kind !== 'keyBy') throw new Error(`node '${node.id}': missing keyBy function`);
    this.#meter?.records(node.id, 'out', records.length);
    const byLane: StreamRecord[][] = Array.from({ length: leaving ? 1 : this.#parallelism }, () => []);
    const keyOf = (value: unknown): string => {
      const key = f.fn(value);
      if (typeof key !== 'string') throw new TypeError(`a keyBy function must return a string, got ${key === null ? 'null' : typeof key}`);
      return key;
    };
    for (const r of records) {
      let key: string | typeof SKIPPED;
      try {
        key = keyOf(r.value);
      } catch (e) {
        key = this.#again(node.id, r, e, keyOf);
        if (key === SKIPPED) continue;
      }
      const keyGroup = keyGroupOf(key, this.graph.maxParallelism);
      const lane = leaving ? 0 : subtaskOfKeyGroup(keyGroup, this.#parallelism, this.graph.maxParallelism);
      byLane[lane]!.push({ value: r.value, timestamp: r.timestamp, key, keyGroup, origin: r.origin });
    }
    if (leaving) {
      if (byLane[0]!.length > 0) await this.#onExchange!(node.id, byLane[0]!);
      return;
    }
    for (let lane = 0; lane < byLane.length; lane += 1) if (byLane[lane]!.length > 0) await this.#deliver(node.id, 'main', lane, byLane[lane]!);
  }

  async #sink(node: GraphNode, records: StreamRecord[]): Promise<void> {
    const f = this.#functions.get(node.id);
    if (f?.kind !== 'sink') throw new Error(`node '${node.id}': missing sink function`);
    const encode = (value: unknown): EncodedRecord => checkedEncoding(f.encode(value));
    const out: SinkRecord[] = [];
    for (const r of records) {
      let e: EncodedRecord | typeof SKIPPED;
      try {
        e = encode(r.value);
      } catch (error) {
        e = this.#again(node.id, r, error, encode);
        if (e === SKIPPED) continue;
      }
      out.push({ value: r.value, timestamp: r.timestamp, key: e.key, encoded: e.value });
    }
    if (out.length === 0) return;
    this.#meter?.records(node.id, 'out', out.length);
    if (this.#onSink) await this.#onSink(node.id, out);
    else {
      let list = this.#sinks.get(node.id);
      if (!list) this.#sinks.set(node.id, (list = []));
      list.push(...out);
    }
  }
}

/** Adds the window ends of final (not early) window or top-K results to `into`. */
function windowEnds(results: readonly StreamRecord[], into: Set<number>): void {
  for (const r of results) {
    const v = r.value as { windowEnd?: unknown; early?: unknown };
    if (typeof v.windowEnd === 'number' && v.early !== true) into.add(v.windowEnd);
  }
}

/** An encode function's result, checked here: a wrong shape would otherwise fail the Kafka producer, and so the task, each time. */
function checkedEncoding(e: EncodedRecord): EncodedRecord {
  const bytes = (v: unknown): boolean => typeof v === 'string' || Buffer.isBuffer(v);
  if (e === null || typeof e !== 'object' || !bytes(e.value) || !(e.key === null || bytes(e.key))) {
    throw new TypeError('an encode function must return { key: string | Buffer | null, value: string | Buffer }');
  }
  return e;
}
