/**
 * Latency at a fixed input rate: events are produced paced, with event time = the time they are
 * sent, so a window [s, e) closes (the job's watermark passes e − 1) once every partition has an
 * event at or past e + out-of-orderness. The harness notes that moment per window end, and a
 * read_committed reader notes when each ranking becomes visible; the difference is the delay the
 * issue asks for. The engine's CPU share and RSS are sampled from /proc over the measured period.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WatchEventGenerator } from '../../connectors/generator/watch-event-generator.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { bytesSerde } from '../../engine/api/serde.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { KafkaSource } from '../../connectors/kafka/source.js';
import { median } from './report.js';
import { partitionerFor, type WorkloadSpec } from './workload.js';

export interface LatencyMeasure {
  rankings: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuShareOfOneCore: number;
  peakRssMb: number;
}

const TICK_MS = 100;

function cpuSecondsOf(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat: utime and stime in clock ticks (100 per second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/**
 * @example
 * await measureLatency(argv, { kafka, input, output, spec, eventsPerSecond: 333, durationMs: 360_000, log });
 */
export async function measureLatency(
  argv: readonly string[],
  o: { kafka: KafkaClientOptions; input: string; output: string; spec: WorkloadSpec; eventsPerSecond: number; durationMs: number; warmupMs: number; log: (l: string) => void },
): Promise<LatencyMeasure> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));

  const closedAt = new Map<number, number>();
  const delays: number[] = [];
  const started = Date.now();
  const measuredFrom = started + o.warmupMs;
  const reader = new KafkaSource(o.kafka, { groupId: `bench-latency-${randomUUID()}`, topics: [o.output], isolation: 'read_committed', maxWaitTimeMs: 50 }, bytesSerde, { write: async () => undefined });
  await reader.start(async (batch) => {
    const now = Date.now();
    for (const r of batch.records) {
      const { windowEnd } = JSON.parse(r.value.toString()) as { windowEnd: number };
      const closed = closedAt.get(windowEnd);
      if (closed !== undefined && closed >= measuredFrom) delays.push(now - closed);
    }
  });

  const sink = new KafkaSink(o.kafka);
  await sink.connect();
  const partitionOf = partitionerFor(o.spec.partitions);
  const gen = new WatchEventGenerator({
    seed: o.spec.seed, items: o.spec.items, zipf: o.spec.zipf, categories: ['movies', 'series', 'sports', 'news', 'kids'],
    startTime: started, eventsPerSecond: o.eventsPerSecond, outOfOrderMs: 0, lateFraction: 0, badFraction: 0,
  });
  const maxTs = new Array<number>(o.spec.partitions).fill(-Infinity);
  let sent = 0;
  let cpuAtStart: number | undefined;
  let peakRss = 0;
  const pid = child.pid!;
  try {
    while (Date.now() - started < o.durationMs + o.warmupMs) {
      const due = Math.floor(((Date.now() - started) / 1000) * o.eventsPerSecond);
      if (due > sent) {
        const batch = gen.nextBatch(due - sent);
        sent = due;
        const out = batch.map((r) => {
          const p = partitionOf(String(r.key));
          const ts = (JSON.parse(r.value.toString()) as { eventTime: number }).eventTime;
          maxTs[p] = Math.max(maxTs[p]!, ts);
          return { key: r.key, value: r.value, partition: p };
        });
        await sink.send(o.input, out);
        await sink.flush(); // the sink batches; at a fixed rate every event must leave now
        // Every window end the watermark has passed with this batch closes now.
        const low = Math.min(...maxTs) - o.spec.outOfOrdernessMs;
        for (let end = Math.ceil(started / o.spec.slideMs) * o.spec.slideMs; end <= low; end += o.spec.slideMs) if (!closedAt.has(end)) closedAt.set(end, Date.now());
      }
      if (cpuAtStart === undefined && Date.now() >= measuredFrom) cpuAtStart = cpuSecondsOf(pid);
      const hwm = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm && Date.now() >= measuredFrom) peakRss = Math.max(peakRss, Number(hwm[1]) / 1024);
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    const cpu = cpuSecondsOf(pid) - (cpuAtStart ?? 0);
    // The last windows' rankings may still be on their way.
    await new Promise((r) => setTimeout(r, 3_000));
    return {
      rankings: delays.length,
      p50Ms: median(delays),
      p99Ms: quantile(delays, 0.99),
      maxMs: Math.max(...delays),
      cpuShareOfOneCore: cpu / (o.durationMs / 1000),
      peakRssMb: Math.round(peakRss),
    };
  } catch (e) {
    o.log(`  engine stderr (tail): ${stderr.slice(-800)}`);
    throw e;
  } finally {
    await sink.disconnect();
    await reader.stop();
    child.kill('SIGTERM');
    await exited;
  }
}
