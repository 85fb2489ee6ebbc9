/**
 * Recovery after kill -9, side by side: each engine builds state from a preload (default 1.2M events
 * over 1.06M distinct content ids, all inside the open windows), keeps up with a trickle of new
 * events, is killed with SIGKILL and started again on the same state folder. Reported per engine:
 * the time from the kill until its consumer group has committed again everything written before the
 * kill (see harness/recovery-run.ts). For Eddy also: when its HTTP server answers, when every task
 * has restored, its checkpoints' duration and size, and the pause when a second process joins.
 * Flags: USAGE below (`npm run bench:recovery -- --help`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { KafkaAdmin } from '../connectors/kafka/admin.js';
import { kafkaClientOptions } from '../connectors/kafka/config.js';
import { durationMs, numberFlag } from '../engine/config/units.js';
import { ENGINES, missing } from './harness/engines.js';
import { machineFacts } from './harness/machine-facts.js';
import { checkRecoveredOutput } from './harness/recovery-check.js';
import { measureRecovery, preload, start, stop, trickle, until, type RecoveryHooks, type RecoveryMeasure, type RecoveryWorkload, type Started } from './harness/recovery-run.js';
import { median } from './harness/report.js';
import { gitCommit, resultsFolder } from './harness/results-folder.js';
import { benchOptions, commandLine, runAsScript } from './harness/script.js';

const Options = z.strictObject({
  brokers: z.string().default('127.0.0.1:9092'),
  engines: z.string().default('eddy,flink-sql,flink-tuned,kafka-streams,quix').transform((s) => s.split(',').map((e) => e.trim())),
  events: numberFlag((n) => n.int().positive()).default(1_200_000),
  items: numberFlag((n) => n.int().positive()).default(5_000_000),
  /** Event time the preload spans; at most window − slide, so every key is still in state at the kill. */
  span: durationMs.prefault('9m'),
  rate: numberFlag((n) => n.int().positive().multipleOf(10)).default(1_000),
  checkpointInterval: durationMs.prefault('1s'),
  /** How soon the group notices the killed process (Flink's source has no group membership). */
  sessionTimeout: durationMs.prefault('3s'),
  /** How long each engine runs with the trickle before the kill. */
  settle: durationMs.prefault('10s'),
  /** Each wait: for the state's build, for the keep-up, for the recovery. */
  timeout: durationMs.prefault('30m'),
  /** Runs per engine (each on a fresh topic and state folder); the table shows each. */
  repetitions: numberFlag((n) => n.int().positive()).default(3),
  /** Eddy: also measure the pause when a second process joins the group (about 25 s). */
  rebalance: z.stringbool().default(true),
  out: z.string().default('bench/results'),
});

const WINDOW_MS = 600_000;
const SLIDE_MS = 60_000;

type Extras = Record<string, unknown>;

const json = async <T>(url: string): Promise<T> => (await fetch(url)).json() as Promise<T>;
/** From the runner's `serving` log line (a JSON line, its stderr being a pipe). */
const urlOf = (s: Started): string | undefined => /"msg":"serving (http:[^\s"]+)/.exec(s.stderr())?.[1];

/** Eddy's own view of the same run, through its HTTP API and metrics. */
function eddyHooks(extras: Extras, argv: readonly string[], stateDir: string, rebalance: boolean, log: (l: string) => void): RecoveryHooks {
  return {
    async beforeKill(first) {
      const url = urlOf(first)!;
      const history = (await json<{ checkpoints: { durationMs: number; sizeBytes: number }[] }>(`${url}/v1/checkpoints`)).checkpoints;
      const metrics = await (await fetch(`${url}/metrics`)).text();
      extras.stateBytes = [...metrics.matchAll(/^eddy_state_size_bytes\{[^}]*\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
      extras.checkpoint = {
        count: history.length, medianDurationMs: median(history.map((c) => c.durationMs)),
        medianSizeBytes: median(history.map((c) => c.sizeBytes)), maxSizeBytes: Math.max(...history.map((c) => c.sizeBytes)),
      };
    },
    async restarted(second, killedAt) {
      const httpAt = await until('the HTTP server', async () => urlOf(second) !== undefined, { timeoutMs: 120_000, engine: second });
      const restoredAt = await until('every task restored', async () => {
        const text = await (await fetch(`${urlOf(second)}/metrics`)).text();
        return [...text.matchAll(/^eddy_restore_duration_seconds\{/gm)].length >= 9;
      }, { timeoutMs: 600_000, engine: second });
      const text = await (await fetch(`${urlOf(second)}/metrics`)).text();
      const each = [...text.matchAll(/^eddy_restore_duration_seconds\{[^}]*\} (\S+)$/gm)].map((m) => Number(m[1]));
      extras.afterKill = { httpSeconds: (httpAt - killedAt) / 1000, allTasksRestoredSeconds: (restoredAt - killedAt) / 1000, slowestTaskRestoreSeconds: Math.max(...each) };
      // The killed process's group members that the restarted runner removed (engine/runtime/group-members.ts).
      extras.evictedMembers = Number(/removed (\d+) group member/.exec(second.stderr())?.[1] ?? 0);
    },
    async afterRecovery(second) {
      if (!rebalance) return;
      // A second process joins: the longest stretch without progress in the first one's counters.
      log('  measuring the rebalance pause as a second process joins…');
      const url = urlOf(second)!;
      const samples: [number, number][] = [];
      const sampler = setInterval(() => void json<{ records: number }>(`${url}/v1/status`).then((s) => samples.push([Date.now(), s.records])).catch(() => undefined), 100);
      await new Promise((r) => setTimeout(r, 3_000));
      const joinedAt = Date.now();
      const third = start(argv.map((a) => (a === stateDir ? mkdtempSync(join(tmpdir(), 'eddy-recovery-b-')) : a)));
      try {
        await until('the second process', async () => urlOf(third) !== undefined, { timeoutMs: 120_000, engine: third });
        await new Promise((r) => setTimeout(r, 20_000));
      } finally {
        clearInterval(sampler);
        await stop(third);
      }
      let pause = 0;
      for (let i = 1, since = samples[0]?.[0] ?? joinedAt; i < samples.length; i += 1) {
        if (samples[i]![1] > samples[i - 1]![1]) since = samples[i]![0];
        else if (samples[i]![0] >= joinedAt) pause = Math.max(pause, samples[i]![0] - since);
      }
      extras.rebalancePauseSeconds = pause / 1000;
    },
  };
}

interface Workload {
  events: number;
  items: number;
  keys: number;
  spanMs: number;
  rate: number;
  partitions: number;
  checkpointIntervalMs: number;
  sessionTimeoutMs: number;
  settleMs: number;
}

type EngineResult = (RecoveryMeasure & { engine: string } & Extras) | { engine: string; failed: string };

/** A line of median recovery times, for engines measured more than once. */
function medians(results: readonly EngineResult[]): string[] {
  const by = new Map<string, number[]>();
  for (const e of results) if (!('failed' in e)) by.set(e.engine, [...(by.get(e.engine) ?? []), e.recoveredSeconds]);
  const many = [...by].filter(([, xs]) => xs.length > 1);
  return many.length === 0 ? [] : ['', `Recovery, median (min–max): ${many.map(([e, xs]) => `${e} ${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}, ${xs.length} runs)`).join('; ')}.`];
}

function markdown(r: { startedAt: string; commit: string; command: string; workload: Workload; engines: EngineResult[] }): string {
  const w = r.workload;
  return [
    `Recovery after kill -9: ${w.events.toLocaleString('en-US')} events over ${w.keys.toLocaleString('en-US')} distinct content ids in open windows (sliding 10 min / 1 min), ` +
      `${w.rate.toLocaleString('en-US')} events/s flowing; checkpoint/commit interval ${w.checkpointIntervalMs / 1000} s, session timeout ${w.sessionTimeoutMs / 1000} s; commit ${r.commit}, ${r.startedAt.slice(0, 10)}.`,
    '',
    '| engine | state built in | recovered after kill -9 | uncommitted events at the kill | output correct |',
    '|---|---:|---:|---:|---|',
    ...r.engines.map((e) =>
      'failed' in e
        ? `| ${e.engine} | failed: ${String(e.failed).split('\n')[0]} | | | |`
        : `| ${e.engine} | ${e.buildSeconds.toFixed(1)} s | ${e.recoveredSeconds.toFixed(2)} s | ${e.uncommittedAtKill.toLocaleString('en-US')} | ${e.output === undefined ? 'not checked' : e.output.correct ? `yes (${e.output.rankings} rankings)` : `**no**: ${e.output.problems[0]}`} |`,
    ),
    ...medians(r.engines),
    '',
    `\`${r.command}\``,
    '',
  ].join('\n');
}

const USAGE = `Usage: npm run bench:recovery -- [options]

Recovery after kill -9, side by side: each engine builds state, is killed and started again.

  --engines LIST              eddy,flink-sql,flink-tuned,kafka-streams,quix (default; also flink-naive), in this order
  --events N                  events preloaded (default 1200000) over --items N content ids (default
                              5000000: about 1.06M distinct), spread over --span D of event time (default 9m)
  --rate N                    events/s flowing before and after the kill (default 1000)
  --checkpoint-interval D     every engine's checkpoint/commit interval (default 1s)
  --session-timeout D         every engine's consumer session timeout (default 3s)
  --settle D                  how long each engine keeps up before the kill (default 10s)
  --repetitions N             runs per engine, alternating engines, the order reversed every other time (default 3)
  --rebalance BOOL            Eddy: also measure the pause when a second process joins (default true)
  --timeout D                 how long each wait may take: the build of the state, the recovery (default 30m)
  --brokers LIST              Kafka (default 127.0.0.1:9092)
  --out DIR                   results go to DIR/recovery-<day>-<commit>/ (default bench/results)
`;

export async function runRecoveryBench(argv: string[], log: (l: string) => void = console.log): Promise<Record<string, unknown> | undefined> {
  const o = benchOptions(argv, Options, USAGE);
  if (!o) return undefined;
  const unknown = o.engines.filter((e) => !ENGINES.some((x) => x.name === e));
  if (unknown.length > 0) throw new Error(`--engines: unknown engine(s) ${unknown.join(', ')} (known: ${ENGINES.map((e) => e.name).join(', ')})`);
  if (o.span > WINDOW_MS - SLIDE_MS) throw new Error(`--span: at most ${(WINDOW_MS - SLIDE_MS) / 60_000} min, so that every key is in state at the kill`);
  // In the order given: a long one last still leaves the others' results written.
  const engines = o.engines.map((name) => ENGINES.find((e) => e.name === name)!);
  for (const e of engines) {
    const why = missing(e);
    if (why) throw new Error(`${e.name}: ${why}`);
    if (e.build) execFileSync(e.build[0]!, e.build.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const kafka = kafkaClientOptions({ brokers: o.brokers, clientId: 'eddy-bench-recovery', logLevel: 'nothing' });
  // Event time: a fixed day, the trickle starting 5 s before a slide boundary (a window fires early in it).
  const w: RecoveryWorkload = { events: o.events, items: o.items, spanMs: o.span, trickleStart: 1_767_229_200_000 - 5_000 };
  // Out-of-orderness 2 s over input 1 s out of order: no event is late, so the reference needs no watermark.
  const spec = { events: o.events, items: o.items, zipf: 0.2, partitions: 8, seed: 3, windowMs: WINDOW_MS, slideMs: SLIDE_MS, top: 10, outOfOrdernessMs: 2_000 };

  const startedAt = new Date().toISOString();
  const commit = gitCommit();
  const dir = resultsFolder(o.out, 'recovery', startedAt, commit);
  const machine = machineFacts();
  const results: EngineResult[] = [];
  let keys = 0;
  const write = (): Record<string, unknown> => {
    const result = {
      startedAt,
      commit,
      command: commandLine('bench:recovery', argv),
      machine,
      workload: { events: o.events, items: o.items, keys, spanMs: o.span, rate: o.rate, partitions: 8, checkpointIntervalMs: o.checkpointInterval, sessionTimeoutMs: o.sessionTimeout, settleMs: o.settle },
      engines: results,
    };
    writeFileSync(join(dir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(dir, 'results.md'), markdown(result));
    return result;
  };
  for (let rep = 1; rep <= o.repetitions; rep += 1) {
    for (const engine of rep % 2 === 1 ? engines : [...engines].reverse()) {
      const topic = `bench-recovery-${engine.name}-${Date.now()}`;
      const admin = new KafkaAdmin(kafka);
      await admin.connect();
      await admin.ensureTopics([{ name: topic, partitions: 8 }, { name: `${topic}-out`, partitions: 1 }]).finally(() => admin.disconnect());
      log(`${engine.name}: producing ${o.events.toLocaleString('en-US')} events over ${o.items.toLocaleString('en-US')} content ids to ${topic}…`);
      keys = await preload(kafka, topic, w);
      const stateDir = mkdtempSync(join(tmpdir(), `${topic}-`));
      const args = engine.argv({ brokers: o.brokers, input: topic, output: `${topic}-out`, groupId: topic, stateDir, spec, checkpointIntervalMs: o.checkpointInterval, bounded: false, sessionTimeoutMs: o.sessionTimeout });
      const extras: Extras = {};
      try {
        const m = await measureRecovery(args, {
          kafka, topic, groupId: topic, settleMs: o.settle, timeoutMs: o.timeout, log, trickle: () => trickle(kafka, topic, w, o.rate),
          hooks: engine.name.startsWith('eddy') ? eddyHooks(extras, args, stateDir, o.rebalance && rep === 1, log) : undefined,
          verify: () => checkRecoveredOutput(kafka, { input: topic, output: `${topic}-out`, spec, timeoutMs: o.timeout }),
        });
        results.push({ engine: engine.name, ...m, ...extras });
      } catch (e) {
        // One engine failing (or timing out) still leaves the others' figures.
        log(`${engine.name}: failed: ${(e as Error).message}`);
        results.push({ engine: engine.name, failed: (e as Error).message });
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
      write(); // after each run, so a run stopped part-way keeps what it measured
    }
  }
  const result = write();
  log(JSON.stringify(result, null, 2));
  return result;
}

runAsScript('recovery.js', 'bench:recovery', (argv) => runRecoveryBench(argv));
