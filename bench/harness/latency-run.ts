/**
 * Latency at a fixed input rate: events are produced paced, with event time = the time they are
 * sent, so a window [s, e) closes (the watermark passes e − 1) once every partition has an event at
 * or past e + out-of-orderness. The harness notes that moment per window end, and a read_committed
 * reader notes when each ranking becomes visible; the difference is the delay measured. Every
 * ranking of a closed window is checked against the reference over the events sent; after the measured
 * period the input keeps flowing while those rankings are awaited (up to the grace). An engine that
 * does not keep up (rankings of windows closed well before the end still missing, or delays growing
 * through the run) is reported as fallen behind, without percentiles. The engine's CPU share and
 * RSS, and the local broker's CPU share, are sampled from /proc over the measured period.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { WatchEventGenerator, type GeneratedRecord } from '../../connectors/generator/watch-event-generator.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import { bytesSerde } from '../../engine/api/serde.js';
import { OutputCheck } from './engine-run.js';
import { cpuSecondsOf, rssMbOf } from './proc-stats.js';
import { median } from './report.js';
import { CATEGORIES, expectedOutput, partitionerFor, type WorkloadSpec } from './workload.js';

export interface LatencyMeasure {
  /** Window ends closed during the measured period, and the rankings (window and category) of those windows timed. */
  closes: number;
  rankings: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Why the engine is said to have fallen behind; undefined when it kept up. */
  fellBehind?: string;
  /** Every ranking of every closed window as the reference has it, each once. */
  correct: boolean;
  problems: string[];
  cpuShareOfOneCore: number;
  brokerCpuShareOfOneCore: number;
  peakRssMb: number;
  /** From the engine's start to its first ranking visible to a reader (NaN: none came): its start-up. */
  firstRankingSeconds: number;
  /** From the engine's start to the measured period: the warm-up this engine needed (see measuringStarts). */
  warmupSeconds: number;
  /**
   * The harness's own worst delay in sending input during the measured period (events due, not yet
   * sent, at one step): about a tick (100 ms) when it keeps its schedule; more means it paused, and
   * the closes and delays around that moment are off by up to that much.
   */
  inputLagMs: number;
}

const TICK_MS = 100;

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/**
 * Fallen behind: a window that closed more than `graceMs` before the end is still not visible, or the
 * last quarter of the delays is more than twice the first quarter's and 2 s longer.
 */
export function fellBehind(closes: readonly { end: number; closedAt: number; visibleAt?: number }[], endedAt: number, graceMs: number): string | undefined {
  const missing = closes.filter((c) => c.visibleAt === undefined && c.closedAt < endedAt - graceMs);
  if (missing.length > 0) return `${missing.length} of ${closes.length} windows closed more than ${graceMs / 1000} s before the end were never visible`;
  const delays = closes.filter((c) => c.visibleAt !== undefined).map((c) => c.visibleAt! - c.closedAt);
  const quarter = Math.floor(delays.length / 4);
  if (quarter < 5) return undefined;
  const [first, last] = [median(delays.slice(0, quarter)), median(delays.slice(-quarter))];
  return last > 2 * first && last - first > 2_000 ? `delays grew from a median of ${Math.round(first)} ms to ${Math.round(last)} ms` : undefined;
}

/** How long the warm-up lasts, from the engine's start. */
export interface WarmUp {
  /** At least this long. */
  warmupMs: number;
  /** And this long after the engine's first visible ranking. */
  settleMs: number;
  /** Unless no ranking came this long after the minimum warm-up: then measuring starts anyway. */
  maxStartupMs: number;
}

/**
 * Whether the measured period starts at `now`: after the minimum warm-up, and `settleMs` after the
 * engine's first visible ranking. Engines take from seconds to tens of seconds to start (Kafka
 * Streams' follow-up rebalance alone took 21 s in one run), and the period measures each in its
 * steady state; every run reports its first ranking's time, so start-up is shown, not hidden.
 *
 * @example
 * measuringStarts(0, 45_000, 20_000, { warmupMs: 30_000, settleMs: 20_000, maxStartupMs: 120_000 }) // true
 */
export function measuringStarts(startedAt: number, now: number, firstRankingAt: number | undefined, w: WarmUp): boolean {
  if (now < startedAt + w.warmupMs) return false;
  if (firstRankingAt === undefined) return now >= startedAt + w.warmupMs + w.maxStartupMs;
  return now >= firstRankingAt + w.settleMs;
}

/**
 * @example
 * await measureLatency(argv, { kafka, input, output, spec, eventsPerSecond: 333, durationMs: 120_000, warmupMs: 30_000, settleMs: 20_000, maxStartupMs: 120_000, graceMs: 15_000, log });
 */
export async function measureLatency(
  argv: readonly string[],
  o: WarmUp & { kafka: KafkaClientOptions; input: string; output: string; spec: WorkloadSpec; eventsPerSecond: number; durationMs: number; graceMs: number; brokerCpu?: () => number; log: (l: string) => void },
): Promise<LatencyMeasure> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));

  const closedAt = new Map<number, number>();
  const firstVisible = new Map<number, number>();
  const output: { key: string | null; value: Buffer; windowEnd: number; at: number; first: boolean }[] = [];
  const seen = new Set<string>();
  const started = Date.now();
  let measuredFrom = Infinity;
  let firstRankingAt: number | undefined;
  const reader = new KafkaSource(o.kafka, { groupId: `bench-latency-${randomUUID()}`, topics: [o.output], isolation: 'read_committed', maxWaitTimeMs: 50 }, bytesSerde, { write: async () => undefined });
  await reader.start(async (batch) => {
    const now = Date.now();
    for (const r of batch.records) {
      const { windowStart, windowEnd, category } = JSON.parse(r.value.toString()) as { windowStart: number; windowEnd: number; category: string };
      // The reference's id of a ranking (window start and category).
      const id = `${windowStart}|${category}`;
      output.push({ key: r.key?.toString() ?? null, value: r.value, windowEnd, at: now, first: !seen.has(id) });
      seen.add(id);
      if (!firstVisible.has(windowEnd)) firstVisible.set(windowEnd, now);
      firstRankingAt ??= now;
    }
  });

  const sink = new KafkaSink(o.kafka);
  await sink.connect();
  const partitionOf = partitionerFor(o.spec.partitions);
  const gen = new WatchEventGenerator({
    seed: o.spec.seed, items: o.spec.items, zipf: o.spec.zipf, categories: CATEGORIES,
    startTime: started, eventsPerSecond: o.eventsPerSecond, outOfOrderMs: 0, lateFraction: 0, badFraction: 0,
  });
  const sent: GeneratedRecord[] = [];
  const maxTs = new Array<number>(o.spec.partitions).fill(-Infinity);
  let cpuAtStart = 0;
  let brokerAtStart = NaN;
  let peakRss = 0;
  const pid = child.pid!;
  let endedAt: number | undefined;
  let inputLagMs = 0;
  // Sends the events due by now; until the measured period ends, notes every window end the watermark
  // passes with them. After it, input keeps flowing (as it would in production) while the rankings of
  // the windows closed until then are awaited: engines whose later stages move on their own stream
  // time close their last windows only on later records.
  const produceDue = async (): Promise<void> => {
    const due = Math.floor(((Date.now() - started) / 1000) * o.eventsPerSecond);
    if (due <= sent.length) return;
    if (Date.now() >= measuredFrom && endedAt === undefined) inputLagMs = Math.max(inputLagMs, ((due - sent.length) / o.eventsPerSecond) * 1000);
    const batch = gen.nextBatch(due - sent.length);
    for (const r of batch) sent.push(r); // a spread would overflow the stack after a long pause
    const out = batch.map((r) => {
      const p = partitionOf(String(r.key));
      const ts = (JSON.parse(r.value.toString()) as { eventTime: number }).eventTime;
      maxTs[p] = Math.max(maxTs[p]!, ts);
      return { key: r.key, value: r.value, partition: p };
    });
    await sink.send(o.input, out);
    await sink.flush(); // the sink batches; at a fixed rate every event must leave now
    if (endedAt !== undefined) return;
    // Every window end the watermark has passed with this batch closes now.
    const low = Math.min(...maxTs) - o.spec.outOfOrdernessMs;
    for (let end = Math.ceil(started / o.spec.slideMs) * o.spec.slideMs; end <= low; end += o.spec.slideMs) if (!closedAt.has(end)) closedAt.set(end, Date.now());
  };
  try {
    while (Date.now() < measuredFrom + o.durationMs) {
      await produceDue();
      if (measuredFrom === Infinity && measuringStarts(started, Date.now(), firstRankingAt, o)) {
        measuredFrom = Date.now();
        [cpuAtStart, brokerAtStart] = [cpuSecondsOf(pid), o.brokerCpu?.() ?? NaN];
      }
      if (Date.now() >= measuredFrom) peakRss = Math.max(peakRss, rssMbOf(pid, 'VmRSS') ?? 0);
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    endedAt = Date.now();
    const seconds = (endedAt - measuredFrom) / 1000;
    const cpu = cpuSecondsOf(pid) - cpuAtStart;
    const brokerCpu = (o.brokerCpu?.() ?? NaN) - brokerAtStart;
    // Every ranking of a window the harness saw close is checked (warm-up ones too); later windows are not complete.
    const lastClosed = Math.max(...closedAt.keys());
    const expected = expectedOutput(o.spec, sent);
    for (const id of [...expected.rankings.keys()]) if (Number(id.split('|')[0]) + o.spec.windowMs > lastClosed) expected.rankings.delete(id);
    // Rankings of windows closed near the end may still be on their way.
    const awaited = [...expected.rankings.keys()];
    const drainUntil = Date.now() + o.graceMs;
    while (Date.now() < drainUntil && awaited.some((id) => !seen.has(id))) {
      await produceDue();
      await new Promise((r) => setTimeout(r, TICK_MS));
    }

    const measured = [...closedAt].filter(([, at]) => at >= measuredFrom).map(([end, at]) => ({ end, closedAt: at, visibleAt: firstVisible.get(end) }));
    // One delay per ranking (window and category): when a reader of that category could see it.
    const delays = output.filter((r) => r.first && (closedAt.get(r.windowEnd) ?? 0) >= measuredFrom).map((r) => r.at - closedAt.get(r.windowEnd)!);
    const behind = fellBehind(measured, endedAt, o.graceMs);
    const check = new OutputCheck(expected);
    for (const r of output) if (r.windowEnd <= lastClosed) check.add(r.key, r.value);
    const problems = [...check.problems, ...(check.complete || behind ? [] : [`incomplete: ${check.progress()}`])];
    if (problems.length > 0 || behind) o.log(`  engine stderr (tail): ${stderr.slice(-800)}`);
    return {
      closes: measured.length,
      rankings: delays.length,
      p50Ms: median(delays),
      p99Ms: quantile(delays, 0.99),
      maxMs: delays.length === 0 ? NaN : Math.max(...delays),
      ...(behind ? { fellBehind: behind } : {}),
      correct: problems.length === 0,
      problems,
      cpuShareOfOneCore: cpu / seconds,
      brokerCpuShareOfOneCore: brokerCpu / seconds,
      peakRssMb: Math.round(peakRss),
      firstRankingSeconds: firstRankingAt === undefined ? NaN : (firstRankingAt - started) / 1000,
      warmupSeconds: (measuredFrom - started) / 1000,
      inputLagMs: Math.round(inputLagMs),
    };
  } finally {
    await sink.disconnect();
    await reader.stop();
    child.kill('SIGTERM');
    await exited;
  }
}
