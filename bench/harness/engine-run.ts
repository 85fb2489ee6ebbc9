/**
 * One engine run: the engine as a child process (its CPU time measured exactly, through the shell's
 * `times` for the waited child; its peak RSS from /proc), and a read_committed reader of its output
 * that checks every ranking against the expected one and notices when the output is complete.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { bytesSerde } from '../../engine/api/serde.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import { rssMbOf } from './proc-stats.js';
import type { Expected } from './workload.js';

export interface RunMeasure {
  /** From start to the last expected ranking being visible to a read_committed reader. */
  wallSeconds: number;
  /** User + system CPU of the engine process, start to exit. */
  cpuSeconds: number;
  /** The local broker's CPU over the same span (NaN when the broker is not the local one). */
  brokerCpuSeconds: number;
  peakRssMb: number;
  /** Rankings equal to the expected ones, each exactly once. */
  correct: boolean;
  problems: string[];
  exitCode: number | null;
}

// The engine runs in the background of a shell that waits for it and then prints `times` (the CPU
// of the shell's waited children) on fd 3; the engine's pid comes on fd 3 first.
const WRAPPER = '"$@" & pid=$!; echo "pid $pid" >&3; wait $pid; code=$?; times >&3; exit $code';

/** What a run's output is checked by: each output record as it becomes visible, and whether all expected output was seen. */
export interface OutputChecker {
  add(key: string | null, value: Buffer): void;
  readonly complete: boolean;
  /** The first problems seen (wrong, duplicate or unexpected output). */
  readonly problems: string[];
  /** What is still missing, for the report of an incomplete run ("3 of 40 rankings"). */
  progress(): string;
}

/** Output checker: ranking per window and category against the expected; duplicates and extras count as wrong. */
export class OutputCheck implements OutputChecker {
  readonly seen = new Set<string>();
  readonly problems: string[] = [];

  constructor(private readonly expected: Expected) {}

  add(key: string | null, value: Buffer): void {
    const r = JSON.parse(value.toString()) as { windowStart: number; category: string; rankings: unknown };
    if (r.windowStart > this.expected.maxEventTime) return; // windows holding only flush events
    const id = `${r.windowStart}|${r.category}`;
    const want = this.expected.rankings.get(id);
    if (this.problems.length < 10) {
      if (want === undefined) this.problems.push(`unexpected ranking ${id}`);
      else if (this.seen.has(id)) this.problems.push(`duplicate ranking ${id}`);
      else if (JSON.stringify(r.rankings) !== want) this.problems.push(`wrong ranking ${id}: ${JSON.stringify(r.rankings).slice(0, 200)} ≠ ${want.slice(0, 200)}`);
      else if (key !== r.category) this.problems.push(`ranking ${id} has key ${key}`);
    }
    this.seen.add(id);
  }

  get complete(): boolean {
    return this.seen.size >= this.expected.rankings.size;
  }

  /** How many rankings were seen, and the first windows with one missing (start and the categories missing). */
  progress(): string {
    const missing = new Map<string, string[]>();
    for (const id of this.expected.rankings.keys()) {
      if (this.seen.has(id)) continue;
      const [start, category] = id.split('|') as [string, string];
      missing.set(start, [...(missing.get(start) ?? []), category]);
    }
    const first = [...missing].slice(0, MISSING_SHOWN).map(([start, categories]) => `${start} (${categories.join(', ')})`);
    const more = missing.size > MISSING_SHOWN ? `, … (${missing.size} windows in all)` : '';
    return `${this.seen.size} of ${this.expected.rankings.size} rankings${missing.size > 0 ? `; missing from windows starting ${first.join(', ')}${more}` : ''}`;
  }
}

/** Windows named in an incomplete run's report: enough to tell the first or last window from a gap. */
const MISSING_SHOWN = 6;

/** How a run ends, besides the process exiting by itself. */
export interface RunEnd {
  /** Checks the output topic; the run is complete once every expected output was seen. */
  check?: { output: string; checker: OutputChecker };
  /** Complete once the group's committed offsets reach the end of `topic` (engines without a bounded mode, on an input without output). */
  caughtUp?: { groupId: string; topic: string };
}

/**
 * Runs an engine to completion (its output complete, its group caught up, or its exit) and measures it:
 * the engine's CPU exactly from the shell's `times`, its peak RSS from /proc, and the local broker's CPU
 * over the same span when `brokerCpu` is given.
 *
 * @example
 * const m = await measureRun(['bench/baselines/flink/run', '--brokers', …], { kafka, check: { output: 'out-1', checker: new OutputCheck(expected) }, timeoutMs, log });
 */
export async function measureRun(argv: readonly string[], o: RunEnd & { kafka: KafkaClientOptions; timeoutMs: number; log: (line: string) => void; brokerCpu?: () => number }): Promise<RunMeasure> {
  const check = o.check?.checker;
  let completeAt: number | undefined;
  const reader = o.check ? new KafkaSource(o.kafka, { groupId: `bench-reader-${randomUUID()}`, topics: [o.check.output], isolation: 'read_committed', maxWaitTimeMs: 100 }, bytesSerde, { write: async () => undefined }) : undefined;
  const admin = o.caughtUp ? new KafkaAdmin(o.kafka) : undefined;
  await admin?.connect();

  const brokerCpuBefore = o.brokerCpu?.() ?? NaN;
  const started = Date.now();
  const child = spawn('bash', ['-c', WRAPPER, 'engine', ...argv], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let fd3 = '';
  let stderr = '';
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (fd3 += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let peakRss = 0;
  const pidOf = (): number | undefined => Number(/pid (\d+)/.exec(fd3)?.[1]) || undefined;
  const poll = setInterval(() => {
    const pid = pidOf();
    if (pid) peakRss = Math.max(peakRss, rssMbOf(pid, 'VmHWM') ?? 0);
  }, 250);

  await reader?.start(async (batch) => {
    for (const r of batch.records) check!.add(r.key?.toString() ?? null, r.value);
    if (check!.complete && completeAt === undefined) completeAt = Date.now();
  });
  let exitCode: number | null = null;
  let done = false;
  void exited.then((c) => ((exitCode = c), (done = true)));
  const caughtUp = async (): Promise<boolean> => {
    const { groupId, topic } = o.caughtUp!;
    const [ends, committed] = await Promise.all([admin!.offsets(topic), admin!.committedOffsets(groupId, topic)]);
    return ends.every((p) => (committed.get(p.partition) ?? -1n) >= p.high);
  };
  const deadline = started + o.timeoutMs;
  let nextCaughtUpCheck = started;
  while (!done && completeAt === undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (admin && Date.now() >= nextCaughtUpCheck) {
      nextCaughtUpCheck = Date.now() + 500;
      if (await caughtUp()) completeAt = Date.now();
    }
  }
  // Engines without a bounded mode are stopped once their output is complete (or at the deadline).
  if (!done) process.kill(pidOf() ?? child.pid!, 'SIGTERM');
  const killer = setTimeout(() => pidOf() && process.kill(pidOf()!, 'SIGKILL'), 60_000);
  exitCode = await exited;
  clearTimeout(killer);
  clearInterval(poll);
  const brokerCpuSeconds = (o.brokerCpu?.() ?? NaN) - brokerCpuBefore;
  if (reader) {
    // A bounded engine has committed everything when it exits: give the reader a moment to see it.
    const settle = Date.now() + 5_000;
    while (!check!.complete && Date.now() < settle) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1_000)); // late duplicates would show here
    await reader.stop();
  }
  if (admin && completeAt === undefined && (await caughtUp())) completeAt = Date.now();
  await admin?.disconnect();

  // `times` prints the shell's own user/system time, then its children's: the engine's.
  const cpu = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(fd3.trim().split('\n').at(-1) ?? '');
  const cpuSeconds = cpu ? Number(cpu[1]) * 60 + Number(cpu[2]) + Number(cpu[3]) * 60 + Number(cpu[4]) : NaN;
  const problems = [...(check?.problems ?? [])];
  if (check && !check.complete) problems.push(`incomplete: ${check.progress()}`);
  if (o.caughtUp && completeAt === undefined) problems.push(`group ${o.caughtUp.groupId} did not commit the end of ${o.caughtUp.topic}`);
  // Without an output to check, a run that ended by itself must have ended well.
  if (!o.check && !o.caughtUp && exitCode !== 0) problems.push(`exit code ${exitCode}`);
  if (problems.length > 0) o.log(`  engine stderr (tail): ${stderr.slice(-800)}`);
  return {
    wallSeconds: ((completeAt ?? Date.now()) - started) / 1000,
    cpuSeconds,
    brokerCpuSeconds,
    peakRssMb: Math.round(peakRss),
    correct: problems.length === 0,
    problems,
    exitCode,
  };
}
