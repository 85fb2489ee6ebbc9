/**
 * Recovery after kill -9, measured the same way for every engine, from outside: only the broker's
 * view of the engine's consumer group is used. The engine builds state from a preloaded input; once
 * it keeps up with a steady trickle of new events, its process is killed with SIGKILL and started
 * again with the same state folder. Recovered = the group's committed input offsets reach the
 * input's end as it was at the kill: everything written before the kill has been processed again
 * after the restart and committed, exactly-once (offsets and output in one transaction, or, for
 * Flink, with the checkpoint that commits the output).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { WatchEventGenerator } from '../../connectors/generator/watch-event-generator.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';

/**
 * A started engine process; `stderr()` is what it printed: its start (where Eddy names its HTTP
 * address) and its tail. Only a tail lost the start to a burst of client errors during a rebalance.
 */
export interface Started {
  child: ChildProcess;
  stderr(): string;
}

export interface RecoveryHooks {
  /** While the first process keeps up with the trickle, just before the kill. */
  beforeKill?(first: Started): Promise<void>;
  /** Runs alongside the wait for recovery, from the restart on; awaited once recovered. */
  restarted?(second: Started, killedAt: number): Promise<void>;
  /** After the restarted process has recovered, the trickle still flowing. */
  afterRecovery?(second: Started, killedAt: number): Promise<void>;
}

export interface RecoveryMeasure {
  /** Start to the preloaded input processed and committed. */
  buildSeconds: number;
  /** Kill to the group's committed offsets reaching the input's end at the kill. */
  recoveredSeconds: number;
  /** Events written before the kill that the group had not committed when it died. */
  uncommittedAtKill: number;
  /** What the restarted engine said about its restore (Flink: the checkpoint it resumed from). */
  restartNote?: string;
  /** The whole output checked against the reference, when a check was asked for. */
  output?: { correct: boolean; rankings: number; problems: string[] };
}

const CATEGORIES = ['movies', 'series', 'sports', 'news', 'kids'];

export interface RecoveryWorkload {
  events: number;
  items: number;
  /** Event time the preload spans, ending where the trickle starts (inside one window, so every key is in state). */
  spanMs: number;
  /** Where the trickle's event time starts: 5 s before a slide boundary, so a window fires early in the trickle. */
  trickleStart: number;
}

/** Writes the preload; returns how many distinct content ids (keys) it holds. */
export async function preload(kafka: KafkaClientOptions, topic: string, w: RecoveryWorkload): Promise<number> {
  const gen = new WatchEventGenerator({
    seed: 3, items: w.items, zipf: 0.2, categories: CATEGORIES, startTime: w.trickleStart - w.spanMs,
    eventsPerSecond: (w.events * 1000) / w.spanMs, outOfOrderMs: 1_000, lateFraction: 0, badFraction: 0,
  });
  const keys = new Set<string>();
  const sink = new KafkaSink(kafka);
  await sink.connect();
  for (let done = 0; done < w.events; done += 20_000) {
    const batch = gen.nextBatch(Math.min(20_000, w.events - done));
    for (const r of batch) keys.add(r.key!);
    await sink.send(topic, batch);
  }
  await sink.disconnect();
  return keys.size;
}

/** Sends `perSecond` events every second, event time advancing with the wall clock, until stopped. */
export function trickle(kafka: KafkaClientOptions, topic: string, w: RecoveryWorkload, perSecond: number): () => Promise<void> {
  const gen = new WatchEventGenerator({
    seed: 4, items: w.items, zipf: 0.2, categories: CATEGORIES, startTime: w.trickleStart,
    eventsPerSecond: perSecond, outOfOrderMs: 1_000, lateFraction: 0, badFraction: 0,
  });
  const sink = new KafkaSink(kafka);
  let running = true;
  const loop = (async () => {
    await sink.connect();
    while (running) {
      await sink.send(topic, gen.nextBatch(perSecond / 10));
      await sink.flush();
      await new Promise((r) => setTimeout(r, 100));
    }
    await sink.disconnect();
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** How much of the start and of the tail of an engine's stderr is kept. */
const KEPT_CHARS = 20_000;

export function start(argv: readonly string[]): Started {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let head = '';
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    if (head.length < KEPT_CHARS) head += text.slice(0, KEPT_CHARS - head.length);
    tail = (tail + text).slice(-KEPT_CHARS);
  });
  return { child, stderr: () => (head.length < KEPT_CHARS ? head : `${head}\n…\n${tail}`) };
}

export async function stop(s: Started): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const closed = new Promise((r) => s.child.once('close', r));
  s.child.kill('SIGTERM');
  const killer = setTimeout(() => s.child.kill('SIGKILL'), 60_000);
  await closed;
  clearTimeout(killer);
}

/** Polls every 100 ms until `check` holds; fails early when the engine process has exited. */
export async function until(what: string, check: () => Promise<boolean>, o: { timeoutMs: number; engine?: Started }): Promise<number> {
  const from = Date.now();
  while (!(await check().catch(() => false))) {
    const e = o.engine?.child;
    if (e && (e.exitCode !== null || e.signalCode !== null)) throw new Error(`engine exited while waiting for ${what}: ${o.engine!.stderr().slice(-1_500)}`);
    if (Date.now() - from > o.timeoutMs) throw new Error(`timed out after ${o.timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now();
}

/** Offsets per partition. */
export type Positions = ReadonlyMap<number, bigint>;

const sum = (xs: Iterable<bigint>): bigint => [...xs].reduce((a, b) => a + b, 0n);

/**
 * How many records of `target` (each partition's end) the committed offsets have not reached. Per
 * partition: a sum over partitions would let one partition ahead (the trickle goes on during the
 * recovery) hide another that lags.
 *
 * @example
 * behind(new Map([[0, 10n], [1, 10n]]), new Map([[0, 12n], [1, 8n]])) // 2n
 */
export function behind(target: Positions, committed: Positions): bigint {
  let missing = 0n;
  for (const [p, end] of target) {
    const at = committed.get(p) ?? 0n;
    if (at < end) missing += end - (at < 0n ? 0n : at);
  }
  return missing;
}

/**
 * @example
 * const m = await measureRecovery(argv, { kafka, topic, groupId: topic, settleMs: 10_000, trickle: () => trickle(kafka, topic, w, 1_000), log });
 */
export async function measureRecovery(
  argv: readonly string[],
  o: {
    kafka: KafkaClientOptions; topic: string; groupId: string; settleMs: number; timeoutMs: number; trickle: () => () => Promise<void>; log: (l: string) => void; hooks?: RecoveryHooks;
    /** Once recovered: the trickle is stopped and the engine, still running, has its output checked. */
    verify?: () => Promise<{ rankings: number; problems: string[] }>;
  },
): Promise<RecoveryMeasure> {
  const admin = new KafkaAdmin(o.kafka);
  await admin.connect();
  const ends = async (): Promise<Positions> => new Map((await admin.offsets(o.topic)).map((p) => [p.partition, p.high]));
  const committed = async (): Promise<Positions> => admin.committedOffsets(o.groupId, o.topic);
  const reached = async (target: Positions): Promise<boolean> => behind(target, await committed()) === 0n;
  let first: Started | undefined;
  let second: Started | undefined;
  let stopTrickle: (() => Promise<void>) | undefined;
  try {
    const preloaded = await ends();
    const startedAt = Date.now();
    first = start(argv);
    let reported = startedAt;
    const built = await until('the preloaded input committed', async () => {
      const missing = behind(preloaded, await committed());
      // Progress once a minute: building a million keys takes some engines most of an hour.
      if (Date.now() - reported >= 60_000) {
        reported = Date.now();
        const total = sum(preloaded.values());
        o.log(`  … ${(total - missing).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events committed after ${Math.round((reported - startedAt) / 1000)} s`);
      }
      return missing === 0n;
    }, { timeoutMs: o.timeoutMs, engine: first });
    o.log(`  built state in ${((built - startedAt) / 1000).toFixed(1)} s; trickle on`);
    stopTrickle = o.trickle();
    await new Promise((r) => setTimeout(r, 2_000));
    const soFar = await ends();
    await until('the engine to keep up with the trickle', () => reached(soFar), { timeoutMs: o.timeoutMs, engine: first });
    await new Promise((r) => setTimeout(r, o.settleMs));
    await o.hooks?.beforeKill?.(first);

    const [atKill, committedAtKill] = await Promise.all([ends(), committed()]);
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => first!.child.once('close', r));
    second = start(argv);
    const during = o.hooks?.restarted?.(second, killedAt);
    during?.catch(() => undefined); // awaited below; not unhandled while the wait runs
    const recoveredAt = await until('the input at the kill committed again', () => reached(atKill), { timeoutMs: o.timeoutMs, engine: second });
    o.log(`  recovered ${((recoveredAt - killedAt) / 1000).toFixed(2)} s after kill -9`);
    await during;
    await o.hooks?.afterRecovery?.(second, killedAt);
    await stopTrickle();
    stopTrickle = undefined;
    const checked = await o.verify?.();
    if (checked) o.log(`  output ${checked.problems.length === 0 ? 'correct' : `WRONG (${checked.problems[0]})`}: ${checked.rankings} rankings`);
    return {
      ...(checked ? { output: { correct: checked.problems.length === 0, ...checked } } : {}),
      buildSeconds: (built - startedAt) / 1000,
      recoveredSeconds: (recoveredAt - killedAt) / 1000,
      uncommittedAtKill: Number(behind(atKill, committedAtKill)),
      restartNote: /restoring from \S+/.exec(second.stderr())?.[0],
    };
  } finally {
    await stopTrickle?.();
    for (const s of [first, second]) if (s) await stop(s);
    await admin.disconnect();
  }
}
