/**
 * Recovery and checkpoints of Eddy's runner, measured (not asserted): state of `--items` keys is
 * built from `--events` events; while a trickle of new events flows, the runner is killed with
 * SIGKILL and started again with the same state folder. Reported: checkpoint duration and size
 * before the kill; after the restart, the time until the HTTP server answers, until every task has
 * restored, and until the first checkpoint after restart commits new input ("output flows again").
 * Then a second process joins the group: the pause in processing that the rebalance causes.
 *
 *   npm run bench:recovery -- [--events 2000000] [--items 1000000] [--parallelism 2] [--session-timeout 3s]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { WatchEventGenerator } from '../connectors/generator/watch-event-generator.js';
import { KafkaAdmin } from '../connectors/kafka/admin.js';
import { kafkaClientOptions, type KafkaClientOptions } from '../connectors/kafka/config.js';
import { KafkaSink } from '../connectors/kafka/sink.js';
import { parseCommand } from '../engine/cli/flags.js';
import { numberFlag } from '../engine/config/units.js';
import { median } from './harness/report.js';

const Options = z.strictObject({
  brokers: z.string().default('127.0.0.1:9092'),
  events: numberFlag((n) => n.int().positive()).default(2_000_000),
  items: numberFlag((n) => n.int().positive()).default(1_000_000),
  parallelism: numberFlag((n) => n.int().positive()).default(2),
  /** How soon the group notices the killed process: recovery cannot be faster than this. */
  sessionTimeout: z.string().default('3s'),
  out: z.string().default('bench/results'),
});

const EDDY = join(dirname(fileURLToPath(import.meta.url)), '..', 'engine', 'cli', 'eddy.js');

interface Runner {
  child: ChildProcess;
  url: Promise<string>;
  startedAt: number;
}

function startRunner(args: string[]): Runner {
  const child = spawn(process.execPath, [EDDY, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /eddy: serving (http:\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('close', () => reject(new Error(`runner exited: ${stderr.slice(-800)}`)));
  });
  return { child, url, startedAt: Date.now() };
}

const json = async <T>(url: string): Promise<T> => (await fetch(url)).json() as Promise<T>;
type Status = { records: number; checkpoints: { completed: number } };

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000): Promise<number> {
  const from = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - from > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now();
}

async function produce(kafka: KafkaClientOptions, topic: string, gen: WatchEventGenerator, n: number): Promise<void> {
  const sink = new KafkaSink(kafka);
  await sink.connect();
  for (let done = 0; done < n; done += 20_000) await sink.send(topic, gen.nextBatch(Math.min(20_000, n - done)));
  await sink.disconnect();
}

/** Sends `perSecond` events every second until stopped. */
function trickle(kafka: KafkaClientOptions, topic: string, gen: WatchEventGenerator, perSecond: number): () => Promise<void> {
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

export async function runRecoveryBench(argv: string[], log: (l: string) => void = console.log): Promise<Record<string, unknown>> {
  const flags = Object.fromEntries(Object.keys(Options.shape).map((k) => [k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), { type: 'string' }] as const));
  const { options: o } = parseCommand(argv, flags, Options);
  const kafka = kafkaClientOptions({ brokers: o.brokers, clientId: 'eddy-bench-recovery', logLevel: 'nothing' });
  const topic = `bench-recovery-${o.items}-${Date.now()}`;
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  await admin.ensureTopics([{ name: topic, partitions: 8 }]).finally(() => admin.disconnect());
  // Event time from now on, so that windows close while the trickle flows.
  const gen = new WatchEventGenerator({
    seed: 3, items: o.items, zipf: 0.2, categories: ['movies', 'series', 'sports', 'news', 'kids'], startTime: Date.now() - 3_600_000,
    eventsPerSecond: o.events / 3_600, outOfOrderMs: 1_000, lateFraction: 0, badFraction: 0,
  });
  log(`producing ${o.events.toLocaleString('en-US')} events over ${o.items.toLocaleString('en-US')} content ids to ${topic}…`);
  await produce(kafka, topic, gen, o.events);

  const stateDir = mkdtempSync(join(tmpdir(), 'eddy-recovery-'));
  const args = ['run', 'content-popularity', '--brokers', o.brokers, '--input-topic', topic, '--output-topic', `${topic}-out`, '--group-id', topic,
    '--state-dir', stateDir, '--parallelism', String(o.parallelism), '--metrics-port', '0', '--session-timeout', o.sessionTimeout];
  const first = startRunner(args);
  const url = await first.url;
  log('building state…');
  const built = await until('the input processed', async () => (await json<Status>(`${url}/v1/status`)).records >= o.events);
  log(`  ${((built - first.startedAt) / 1000).toFixed(1)} s to process the input`);
  const stopTrickle = trickle(kafka, topic, gen, 1_000);
  await new Promise((r) => setTimeout(r, 12_000)); // a few checkpoints with the trickle flowing
  const history = (await json<{ checkpoints: { durationMs: number; sizeBytes: number }[] }>(`${url}/v1/checkpoints`)).checkpoints;
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const stateBytes = [...metrics.matchAll(/^eddy_state_size_bytes\{[^}]*\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);

  first.child.kill('SIGKILL');
  const killedAt = Date.now();
  await new Promise((r) => first.child.once('close', r));
  const second = startRunner(args);
  const url2 = await second.url;
  const httpAt = Date.now();
  const restoredAt = await until('every task restored', async () => {
    const text = await (await fetch(`${url2}/metrics`)).text();
    return [...text.matchAll(/^eddy_restore_duration_seconds\{/gm)].length >= 9;
  });
  const flowingAt = await until('a checkpoint of new input', async () => {
    const s = await json<Status>(`${url2}/v1/status`);
    return s.records > 0 && s.checkpoints.completed > 0;
  });
  const restoreMetrics = await (await fetch(`${url2}/metrics`)).text();
  const restoreSeconds = [...restoreMetrics.matchAll(/^eddy_restore_duration_seconds\{[^}]*\} (\S+)$/gm)].map((m) => Number(m[1]));

  // A second process joins: the longest stretch without progress in the first one's counters.
  log('measuring the rebalance pause as a second process joins…');
  const samples: [number, number][] = [];
  const sampler = setInterval(() => void json<Status>(`${url2}/v1/status`).then((s) => samples.push([Date.now(), s.records])).catch(() => undefined), 100);
  await new Promise((r) => setTimeout(r, 3_000));
  const joinedAt = Date.now();
  const third = startRunner(args.map((a) => (a === stateDir ? mkdtempSync(join(tmpdir(), 'eddy-recovery-b-')) : a)));
  await third.url;
  await new Promise((r) => setTimeout(r, 20_000));
  clearInterval(sampler);
  let pause = 0;
  for (let i = 1, since = samples[0]?.[0] ?? joinedAt; i < samples.length; i += 1) {
    if (samples[i]![1] > samples[i - 1]![1]) since = samples[i]![0];
    else if (samples[i]![0] >= joinedAt) pause = Math.max(pause, samples[i]![0] - since);
  }
  await stopTrickle();
  for (const r of [second, third]) r.child.kill('SIGTERM');

  const result = {
    command: `npm run bench:recovery -- ${argv.join(' ')}`.trim(),
    events: o.events, items: o.items, parallelism: o.parallelism, sessionTimeout: o.sessionTimeout, stateBytes,
    checkpoint: { count: history.length, medianDurationMs: median(history.map((c) => c.durationMs)), medianSizeBytes: median(history.map((c) => c.sizeBytes)), maxSizeBytes: Math.max(...history.map((c) => c.sizeBytes)) },
    afterKill: { httpSeconds: (httpAt - killedAt) / 1000, allTasksRestoredSeconds: (restoredAt - killedAt) / 1000, outputFlowsSeconds: (flowingAt - killedAt) / 1000, slowestTaskRestoreSeconds: Math.max(...restoreSeconds) },
    rebalancePauseSeconds: pause / 1000,
  };
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, `recovery-${o.items}-keys.json`), `${JSON.stringify(result, null, 2)}\n`);
  log(JSON.stringify(result, null, 2));
  return result;
}

if (process.argv[1]?.endsWith('recovery.js')) {
  runRecoveryBench(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: Error) => {
      console.error(`bench:recovery: ${e.message}`);
      process.exit(1);
    },
  );
}
