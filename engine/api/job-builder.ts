/**
 * The fluent job API: `source → map/filter/flatMap → keyBy → window → aggregate → topK → sink`, plus
 * `process(...)`. Each call adds a node to the plain-data graph and its functions to the function table.
 */
import type { Serde } from './serde.js';
import { dlqTopicFor } from '../../connectors/kafka/dead-letter.js';
import type { AggregateFunction } from '../aggregate/aggregate-function.js';
import { validateGraph, type GraphNode, type JobGraph, type NodeConfigs, type NodeInput, type NodeKind, type Port } from '../graph/job-graph.js';
import { planStages } from '../graph/stage-plan.js';
import { DEFAULT_USER_CODE_POLICY } from '../runtime/user-code-guard.js';
import { DEFAULT_MAX_PARALLELISM } from '../state/key-groups.js';
import { MAX_WINDOW_SPAN_MS } from '../time/event-time.js';
import type { WindowSpec } from '../windows/window-spec.js';
import type { EncodedRecord, FunctionTable, NodeFunctions, TopKResult, WindowResult } from './functions.js';
import type { KeyedProcessFunction, StateDescriptors } from './process-function.js';

/** What a job's `build` produces: the graph (data) and its functions (code, by node id). */
export interface BuiltJob {
  graph: JobGraph;
  functions: FunctionTable;
}

export interface SourceSpec<T> {
  topic: string;
  serde: Serde<T>;
  /** Event time of a record, epoch ms. */
  timestamp: (value: T) => number;
  /** Bounded out-of-orderness of the watermark (default 0). */
  outOfOrdernessMs?: number;
  /** A partition idle this long stops holding the watermark back (default 60 s; 0 = never). */
  idleTimeoutMs?: number;
  /** Where undecodable records go (default `<topic>-dlq`). */
  deadLetterTopic?: string;
}

export interface KeyByOptions {
  /** `repartition` (default): records cross a repartition topic; `input`: the input is partitioned by this key already. */
  partitioning?: 'repartition' | 'input';
  /** Partitions of the repartition topic (default: as many as the job's largest input). */
  partitions?: number;
}

export interface SinkSpec<T> {
  topic: string;
  encode: (value: T) => EncodedRecord;
}

export interface TopKSpec<R> {
  k: number;
  /** Ranking score (higher ranks first; ties by key ascending). */
  score: (value: R) => number;
  /** Groups each key's result belongs to (e.g. its category and "all"); default one group, "all". */
  groups?: (result: WindowResult<R>) => readonly string[];
  /**
   * The group every result belongs to (e.g. "all"), if there is one. Groups per window are capped
   * (the runner's `--max-groups`): this one is always kept, then the others by name.
   */
  overall?: string;
}

class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly functions = new Map<string, NodeFunctions>();

  add<K extends NodeKind>(id: string, kind: K, inputs: NodeInput[], config: NodeConfigs[K], fns: NodeFunctions | null): string {
    this.nodes.push({ id, kind, inputs, config } as GraphNode);
    if (!fns) return id;
    this.functions.set(id, fns);
    return id;
  }
}

/** A stream of values of type T. */
export class DataStream<T> {
  constructor(
    protected readonly b: GraphBuilder,
    protected readonly id: string,
    protected readonly port: Port = 'main',
  ) {}

  /** @example stream.map('to-views', (e) => ({ id: e.contentId })) */
  map<U>(name: string, fn: (value: T) => U): DataStream<U> {
    return new DataStream(this.b, this.b.add(name, 'map', this.#input(), {}, { kind: 'map', fn }));
  }

  /** @example stream.filter('long-views', (e) => e.watchSeconds >= 10) */
  filter(name: string, fn: (value: T) => boolean): this {
    const id = this.b.add(name, 'filter', this.#input(), {}, { kind: 'filter', fn });
    return new (this.constructor as new (b: GraphBuilder, id: string) => this)(this.b, id);
  }

  /** @example stream.flatMap('words', (line) => line.split(' ')) */
  flatMap<U>(name: string, fn: (value: T) => Iterable<U>): DataStream<U> {
    return new DataStream(this.b, this.b.add(name, 'flatMap', this.#input(), {}, { kind: 'flatMap', fn }));
  }

  /**
   * Partitions the stream by key; state and windows downstream are per key. By default records go
   * through a repartition topic (`<group>-<name>-repartition`) to the task that owns their key, in the
   * same transaction as the rest of the task's output. When the input is already partitioned by this
   * key (its topic's record key is this key), say so with `partitioning: 'input'`: nothing is
   * shuffled. Eddy cannot check that claim; a wrong one splits a key's state between tasks.
   *
   * @example
   * stream.keyBy('by-region', (e) => `${e.region}:${e.device}`)                        // repartitions
   * stream.keyBy('by-content', (e) => e.contentId, { partitioning: 'input' })          // topic keyed by contentId
   */
  keyBy(name: string, key: (value: T) => string, opts: KeyByOptions = {}): KeyedStream<T> {
    const config = { partitioning: opts.partitioning ?? 'repartition', partitions: opts.partitions ?? null } as const;
    return new KeyedStream(this.b, this.b.add(name, 'keyBy', this.#input(), config, { kind: 'keyBy', fn: key }));
  }

  /**
   * One stream of the records of this stream and of `others` (same type), as they come. Event time
   * downstream is the slowest input's: watermarks combine as their minimum.
   *
   * @example
   * web.union('all-views', app).keyBy('by-user', (e) => e.userId)
   */
  union(name: string, ...others: DataStream<T>[]): DataStream<T> {
    if (others.length === 0) throw new RangeError(`node '${name}': union needs at least one other stream`);
    if (others.some((o) => o.b !== this.b)) throw new RangeError(`node '${name}': a union joins streams of one job`);
    return new DataStream(this.b, this.b.add(name, 'union', [this.#input()[0]!, ...others.map((o) => o.#input()[0]!)], {}, null));
  }

  /** Writes the stream to a Kafka topic. @example stream.sink('out', { topic: 'results', encode: (v) => ({ key: null, value: JSON.stringify(v) }) }) */
  sink(name: string, spec: SinkSpec<T>): void {
    this.b.add(name, 'sink', this.#input(), { topic: spec.topic }, { kind: 'sink', encode: spec.encode });
  }

  #input(): NodeInput[] {
    return [{ node: this.id, port: this.port }];
  }
}

/** A stream partitioned by key (after `keyBy`). */
export class KeyedStream<T> extends DataStream<T> {
  /**
   * Groups records into event-time windows. `earlyFiringMs`: also emit provisional results (marked
   * `early`) of open windows each time the watermark crosses a multiple of it.
   *
   * @example keyed.window(sliding(600_000, 60_000), { allowedLatenessMs: 5_000, earlyFiringMs: 10_000 })
   */
  window(spec: WindowSpec, opts: { allowedLatenessMs?: number; earlyFiringMs?: number } = {}): WindowedStream<T> {
    return new WindowedStream(this.b, this.id, spec, opts.allowedLatenessMs ?? 0, opts.earlyFiringMs ?? null);
  }

  /** Runs a keyed function with state and timers. See {@link KeyedProcessFunction}. */
  process<O, S extends StateDescriptors>(name: string, fn: KeyedProcessFunction<T, O, S>): DataStream<O> {
    const id = this.b.add(name, 'process', [{ node: this.id, port: 'main' }], { states: Object.keys(fn.state) }, { kind: 'process', fn });
    return new DataStream<O>(this.b, id);
  }
}

/** A keyed stream cut into windows, waiting for its aggregate. */
export class WindowedStream<T> {
  constructor(
    private readonly b: GraphBuilder,
    private readonly input: string,
    private readonly spec: WindowSpec,
    private readonly allowedLatenessMs: number,
    private readonly earlyFiringMs: number | null,
  ) {}

  /**
   * Aggregates each key's records per window, incrementally; one result per key and window when the
   * window closes (watermark ≥ end − 1 + allowed lateness).
   *
   * @example keyed.window(tumbling(60_000)).aggregate('views', count())
   */
  aggregate<A, R>(name: string, fn: AggregateFunction<T, A, R>): WindowResultStream<T, R> {
    if (!Number.isSafeInteger(this.allowedLatenessMs) || this.allowedLatenessMs < 0) {
      throw new RangeError(`node '${name}': allowedLatenessMs must be a non-negative integer`);
    }
    if (this.earlyFiringMs !== null && (!Number.isSafeInteger(this.earlyFiringMs) || this.earlyFiringMs < 1)) {
      throw new RangeError(`node '${name}': earlyFiringMs must be a positive integer`);
    }
    if (this.spec.kind === 'session' && this.earlyFiringMs !== null) throw new RangeError(`node '${name}': session windows have no early firing`);
    // Window ends (and the state keys holding them) of every accepted event time stay safe integers.
    const span = this.spec.kind === 'session' ? this.spec.gap : this.spec.size;
    if (span + this.allowedLatenessMs > MAX_WINDOW_SPAN_MS) {
      throw new RangeError(`node '${name}': window ${this.spec.kind === 'session' ? 'gap' : 'size'} plus allowedLatenessMs must be at most ${MAX_WINDOW_SPAN_MS} ms`);
    }
    const id = this.b.add(name, 'window', [{ node: this.input, port: 'main' }], { window: this.spec, allowedLatenessMs: this.allowedLatenessMs, earlyFiringMs: this.earlyFiringMs }, { kind: 'window', aggregate: fn });
    return new WindowResultStream<T, R>(this.b, id);
  }
}

/** Per key and window aggregates, plus the window's late records. */
export class WindowResultStream<T, R> extends DataStream<WindowResult<R>> {
  /** Records that arrived after every window they belong to had closed. */
  late(): DataStream<T> {
    return new DataStream<T>(this.b, this.id, 'late');
  }

  /**
   * Exact top-K per window (and per group), ranked by score descending, then key ascending. At most
   * `--max-groups` groups per window: `overall` first, then the others by name; the rest are left out.
   *
   * @example results.topK('top-10', { k: 10, score: (r) => r.views, groups: (r) => [r.value.category, 'all'], overall: 'all' })
   */
  topK(name: string, spec: TopKSpec<R>): DataStream<TopKResult<R>> {
    if (!Number.isSafeInteger(spec.k) || spec.k < 1) throw new RangeError(`node '${name}': k must be a positive integer`);
    const window = this.b.nodes.find((n) => n.id === this.id);
    // A ranking is of one window shared by every key; each key's sessions are its own.
    if (window?.kind === 'window' && window.config.window.kind === 'session') throw new RangeError(`node '${name}': top-K ranks tumbling or sliding windows, not sessions`);
    const groups = spec.groups ?? (() => ['all']);
    const config = { k: spec.k, grouped: spec.groups !== undefined, ...(spec.overall !== undefined ? { overall: spec.overall } : {}) };
    const id = this.b.add(name, 'topK', [{ node: this.id, port: 'main' }], config, { kind: 'topK', score: spec.score, groups });
    return new DataStream<TopKResult<R>>(this.b, id);
  }
}

/** The entry point of `build`: declare sources, get streams. */
export class JobBuilder {
  readonly #b = new GraphBuilder();

  constructor(
    private readonly job: string,
    private readonly maxParallelism = DEFAULT_MAX_PARALLELISM,
    private readonly userCode: { onError?: 'dlq' | 'fail'; attempts?: number } = {},
  ) {}

  /** @example b.source('events', { topic: 'watch-events', serde: jsonSerde(WatchEventSchema), timestamp: (e) => e.eventTime }) */
  source<T>(name: string, spec: SourceSpec<T>): DataStream<T> {
    const config = {
      topic: spec.topic,
      outOfOrdernessMs: spec.outOfOrdernessMs ?? 0,
      idleTimeoutMs: spec.idleTimeoutMs ?? 60_000,
      deadLetterTopic: spec.deadLetterTopic ?? dlqTopicFor(spec.topic),
    };
    return new DataStream<T>(this.#b, this.#b.add(name, 'source', [], config, { kind: 'source', serde: spec.serde, timestamp: spec.timestamp }));
  }

  /** Validates and returns the graph and function table. */
  build(): BuiltJob {
    const graph: JobGraph = {
      job: this.job,
      maxParallelism: this.maxParallelism,
      userCode: { onError: this.userCode.onError ?? DEFAULT_USER_CODE_POLICY.onError, attempts: this.userCode.attempts ?? DEFAULT_USER_CODE_POLICY.attempts },
      nodes: this.#b.nodes,
    };
    validateGraph(graph);
    planStages(graph);
    return { graph, functions: this.#b.functions };
  }
}
