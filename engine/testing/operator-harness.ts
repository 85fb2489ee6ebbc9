/**
 * The operator test harness: run a job's operators without a broker. Push records and watermarks,
 * read what sinks received, take a snapshot, restore it into a fresh harness (at any parallelism),
 * push more. Flink's KeyedOneInputStreamOperatorTestHarness is the model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuiltJob } from '../api/job-builder.js';
import { LocalExecutor, type ExecutorDeadLetter, type SinkRecord } from '../runtime/local-executor.js';
import { keyGroupRange } from '../state/key-groups.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import { RocksDbStateBackend } from '../state/rocksdb-backend.js';
import type { StateBackend } from '../state/state-backend.js';
import { dumpKeyGroups, loadEntries, type SnapshotEntries } from '../state/state-snapshot.js';

export type BackendKind = 'memory' | 'rocksdb';

export interface HarnessOptions {
  parallelism?: number;
  backend?: BackendKind;
  /** Processing time at start (default 0, so TTL and processing-time timers are reproducible). */
  nowMs?: number;
  /** Heap cache of stateful operators, in entries (0: every access goes to the backend). */
  cacheEntries?: number;
}

/** A harness snapshot: the event-time clock and every state entry (JSON-safe). */
export interface HarnessSnapshot {
  job: string;
  maxParallelism: number;
  watermark: number | null;
  nowMs: number;
  entries: SnapshotEntries;
}

/**
 * @example
 * const h = await OperatorHarness.create(buildJob(job, {}), { parallelism: 2 });
 * await h.push('events', [{ contentId: 'c-1', eventTime: 1000 }]);
 * await h.watermark(70_000);
 * console.log(h.output('trending'));
 * const snap = await h.snapshot();
 * const h2 = await OperatorHarness.restore(buildJob(job, {}), snap, { parallelism: 3 });
 */
export class OperatorHarness {
  readonly #deadLetters: ExecutorDeadLetter[] = [];

  private constructor(
    private readonly job: BuiltJob,
    private readonly executor: LocalExecutor,
    private readonly backends: StateBackend[],
    private readonly dirs: string[],
    private nowMs: number,
  ) {}

  static async create(job: BuiltJob, opts: HarnessOptions = {}): Promise<OperatorHarness> {
    const parallelism = opts.parallelism ?? 1;
    const dirs: string[] = [];
    const backends: StateBackend[] = [];
    for (let i = 0; i < parallelism; i += 1) {
      if (opts.backend === 'rocksdb') {
        const dir = mkdtempSync(join(tmpdir(), 'eddy-harness-'));
        dirs.push(dir);
        backends.push(await RocksDbStateBackend.open(dir));
      } else backends.push(new MemoryStateBackend());
    }
    const nowMs = opts.nowMs ?? 0;
    return new OperatorHarness(job, new LocalExecutor(job, { parallelism, backends, nowMs, ...(opts.cacheEntries !== undefined ? { cacheEntries: opts.cacheEntries } : {}) }), backends, dirs, nowMs);
  }

  /** A fresh harness holding a snapshot's state and clock. */
  static async restore(job: BuiltJob, snapshot: HarnessSnapshot, opts: HarnessOptions = {}): Promise<OperatorHarness> {
    if (snapshot.job !== job.graph.job || snapshot.maxParallelism !== job.graph.maxParallelism) {
      throw new Error(`snapshot of job ${snapshot.job} (maxParallelism ${snapshot.maxParallelism}) does not fit job ${job.graph.job} (${job.graph.maxParallelism})`);
    }
    const h = await OperatorHarness.create(job, { ...opts, nowMs: snapshot.nowMs });
    await loadEntries(h.backends, snapshot.entries, job.graph.maxParallelism);
    await h.executor.restore(snapshot.watermark ?? -Infinity);
    return h;
  }

  push(source: string, values: readonly unknown[]): Promise<void> {
    return this.executor.pushSource(source, values);
  }

  watermark(ts: number): Promise<void> {
    return this.executor.advanceWatermark(ts);
  }

  processingTime(nowMs: number): Promise<void> {
    this.nowMs = nowMs;
    return this.executor.advanceProcessingTime(nowMs);
  }

  /** The input ended, as at the end of a bounded run: every window fires, then every pending processing-time timer, once. */
  endOfInput(): Promise<void> {
    return this.executor.endOfInput();
  }

  /** What a commit does first: operators write their heap caches to the backends. */
  flush(): Promise<void> {
    return this.executor.flush();
  }

  /** Values a sink received, in order. */
  output<T = unknown>(sink: string): T[] {
    return this.executor.sinkOutput(sink).map((r) => r.value as T);
  }

  /**
   * What the job gave up on so far, as a runner would dead-letter it: records with an event time
   * it cannot use, and records a function kept throwing on (with the node).
   */
  deadLetters(): readonly ExecutorDeadLetter[] {
    this.#deadLetters.push(...this.executor.takeDeadLetters());
    return this.#deadLetters;
  }

  /** What a sink received, with event times and encoded records. */
  records(sink: string): readonly SinkRecord[] {
    return this.executor.sinkOutput(sink);
  }

  async snapshot(): Promise<HarnessSnapshot> {
    await this.executor.flush();
    const { maxParallelism } = this.job.graph;
    const entries: SnapshotEntries = [];
    for (let i = 0; i < this.backends.length; i += 1) {
      const { start, end } = keyGroupRange(i, this.backends.length, maxParallelism);
      entries.push(...(await dumpKeyGroups(this.backends[i]!, start, end)));
    }
    const wm = this.executor.watermark;
    return { job: this.job.graph.job, maxParallelism, watermark: Number.isFinite(wm) ? wm : wm > 0 ? Number.MAX_SAFE_INTEGER : null, nowMs: this.nowMs, entries };
  }

  async close(): Promise<void> {
    for (const b of this.backends) await b.close();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}
