/**
 * `eddy run --bounded` on a terminal: one stderr line, redrawn every second, with the input records
 * read so far against those before the end offsets found at start (where a bounded run stops).
 * Progress is a courtesy: a failure to measure it never touches the run.
 */
import { recordsBehind, type KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { JobGraph } from '../graph/job-graph.js';
import type { MemberMetricsJson } from '../metrics/runner-metrics.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * The progress line.
 *
 * @example
 * progressLine(2_500, 10_000, 4_000) // 'read 2,500 of 10,000 input records (25%) to the end offsets found at start, 4 s'
 */
export function progressLine(read: number, total: number, elapsedMs: number): string {
  const pct = total > 0 ? ` (${Math.min(100, Math.floor((read * 100) / total))}%)` : '';
  return `read ${fmt(read)} of ${fmt(total)} input records${pct} to the end offsets found at start, ${Math.round(elapsedMs / 1000)} s`;
}

/**
 * Input records a bounded run has to read: per source partition, its end offset less where the
 * group resumes (its committed offset, else the partition's first offset).
 */
export async function recordsToEnd(admin: KafkaAdmin, graph: JobGraph, groupId: string): Promise<number> {
  let total = 0;
  for (const node of graph.nodes) if (node.kind === 'source') total += await recordsBehind(admin, groupId, node.config.topic);
  return total;
}

/** Input records read by the members, from their metrics: source stages only (a source's id is its stage's). */
export function sourceRecordsRead(members: readonly MemberMetricsJson[], graph: JobGraph): number {
  const sources = new Set(graph.nodes.filter((n) => n.kind === 'source').map((n) => n.id));
  let read = 0;
  for (const metric of members.flat()) {
    if (metric.name !== 'eddy_source_records_total') continue;
    for (const v of metric.values) if (sources.has(String(v.labels.partition ?? '').replace(/:\d+$/, ''))) read += v.value;
  }
  return read;
}

export interface BoundedProgressOptions {
  /** Records to read; resolves once (a rejection leaves progress off). */
  total: Promise<number>;
  /** Records read so far. */
  read: () => Promise<number>;
  /** Raw text to the terminal (stderr). */
  write: (text: string) => void;
  intervalMs?: number;
}

/**
 * @example
 * const progress = new BoundedProgress({ total: recordsToEnd(admin, graph, group), read, write: (t) => process.stderr.write(t) });
 * const logger = Logger.create({}, { isTTY: true, write: (text) => progress.log(text.trimEnd()) });
 * await runRunner({ ...opts, logger });
 * progress.stop();
 */
export class BoundedProgress {
  readonly #started = Date.now();
  readonly #timer: NodeJS.Timeout;
  #total: number | undefined;
  #line = '';
  #busy = false;
  #stopped = false;

  constructor(readonly o: BoundedProgressOptions) {
    o.total.then((t) => void (this.#total = t), () => undefined);
    this.#timer = setInterval(() => void this.#tick(), o.intervalMs ?? 1_000);
  }

  /** A log line: printed above the progress line, which is redrawn under it. */
  log(line: string): void {
    this.o.write(`${this.#line ? '\r\x1b[K' : ''}${line}\n${this.#line}`);
  }

  /** Stops redrawing and leaves the last line on the terminal. */
  stop(): void {
    clearInterval(this.#timer);
    this.#stopped = true;
    if (this.#line) this.o.write('\n');
    this.#line = '';
  }

  async #tick(): Promise<void> {
    if (this.#total === undefined || this.#busy) return;
    this.#busy = true;
    try {
      const read = await this.o.read();
      if (this.#stopped) return;
      this.#line = progressLine(read, this.#total, Date.now() - this.#started);
      this.o.write(`\r${this.#line}\x1b[K`);
    } catch {
      // Members between restarts do not answer: the next tick tries again.
    } finally {
      this.#busy = false;
    }
  }
}

/**
 * Progress for a bounded run when stderr is a terminal, else undefined (logs and pipes get none);
 * resolves once the records to read are counted (or could not be).
 *
 * @example
 * const progress = await boundedProgress({ admin: () => new KafkaAdmin(kafka), graph, groupId, collect: () => monitor.collect() });
 */
export async function boundedProgress(o: { admin: () => KafkaAdmin; graph: JobGraph; groupId: string; collect: () => Promise<MemberMetricsJson[]> }): Promise<BoundedProgress | undefined> {
  if (!process.stderr.isTTY) return undefined;
  const total = (async () => {
    const admin = o.admin();
    await admin.connect();
    try {
      return await recordsToEnd(admin, o.graph, o.groupId);
    } finally {
      await admin.disconnect();
    }
  })();
  // Counted before the members start: a partition read to its end commits there, after which the
  // group's offsets no longer say where the run began ("read 3,000 of 1,672" on a slow machine).
  await total.catch(() => undefined);
  return new BoundedProgress({ total, read: async () => sourceRecordsRead(await o.collect(), o.graph), write: (t) => process.stderr.write(t) });
}
