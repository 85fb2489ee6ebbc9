/**
 * kafkajs against `@confluentinc/kafka-javascript` (librdkafka) as bare clients, doing what Eddy's
 * source and sink do: consume watch events from the beginning (read_committed, batches) and produce
 * them in transactions of 10,000. Each run is a process of its own (harness/client-run.ts); reported
 * are records per CPU-second of that process, wall time and peak RSS, medians over repetitions that
 * alternate the clients, and Confluent ÷ kafkajs. It tells how much of Eddy's CPU a client switch could
 * save before the connector is ported.
 *
 * The Confluent client is not one of Eddy's dependencies (it compiles librdkafka): it is installed on
 * first use, as for `eddy run --input-client confluent` (connectors/kafka/confluent-client.ts), or
 * taken from the folder --confluent (or $EDDY_CONFLUENT_DIR) names.
 *
 *   npm run bench:clients   (flags: USAGE below, or --help)
 *
 * `npm run bench:all` runs this first (so a client that cannot be installed fails at once, not after
 * hours), then `bench` and `bench:recovery`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { KafkaAdmin } from '../connectors/kafka/admin.js';
import { kafkaClientOptions } from '../connectors/kafka/config.js';
import { ensureConfluentClient } from '../connectors/kafka/confluent-client.js';
import { numberFlag } from '../engine/config/units.js';
import { CLIENTS, MODES, type ClientMeasure, type ClientName, type Mode } from './harness/client-run.js';
import { ROOT } from './harness/engines.js';
import { machineFacts } from './harness/machine-facts.js';
import { median } from './harness/report.js';
import { benchOptions, commandLine, runAsScript } from './harness/script.js';

const Options = z.strictObject({
  brokers: z.string().default('127.0.0.1:9092'),
  clients: z
    .string()
    .default(CLIENTS.join(','))
    .transform((s) => s.split(',').map((c) => c.trim()))
    .refine((cs) => cs.every((c) => (CLIENTS as readonly string[]).includes(c)), { message: `a comma-separated list of ${CLIENTS.join(', ')}` })
    .transform((cs) => cs as ClientName[]),
  events: numberFlag((n) => n.int().positive()).default(1_000_000),
  repetitions: numberFlag((n) => n.int().positive()).default(3),
  /** The folder whose node_modules holds @confluentinc/kafka-javascript (else $EDDY_CONFLUENT_DIR). */
  confluent: z.string().optional(),
  out: z.string().default('bench/results/kafka-clients'),
});

// The compiled runner, also when this module runs from source (the smoke test).
const RUNNER = join(ROOT, 'dist', 'bench', 'harness', 'client-run.js');

interface Summary {
  client: ClientName;
  mode: Mode;
  recordsPerCpuSecond: number;
  wallSeconds: number;
  peakRssMb: number;
  runs: ClientMeasure[];
}

function runOnce(client: ClientName, mode: Mode, o: { brokers: string; events: number; confluent?: string | undefined }, topic: string): ClientMeasure {
  const out = execFileSync(process.execPath, [RUNNER, client, mode, o.brokers, topic, String(o.events), ...(o.confluent ? [o.confluent] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 1_800_000,
  });
  return JSON.parse(out.toString().trim().split('\n').at(-1)!) as ClientMeasure;
}

function markdown(r: { startedAt: string; command: string; events: number; summaries: Summary[] }): string {
  const ratio = (mode: Mode): string => {
    const k = r.summaries.find((s) => s.client === 'kafkajs' && s.mode === mode);
    const others = r.summaries.filter((s) => s.client !== 'kafkajs' && s.mode === mode);
    return k ? others.map((c) => `${c.client} ${(c.recordsPerCpuSecond / k.recordsPerCpuSecond).toFixed(2)}×`).join(', ') || '–' : '–';
  };
  return [
    `Bare Kafka clients, ${r.events.toLocaleString('en-US')} watch events (8 partitions), medians; ${r.startedAt.slice(0, 10)}.`,
    '',
    '| client | mode | records per CPU-second | wall | peak RSS |',
    '|---|---|---:|---:|---:|',
    ...r.summaries.map((s) => `| ${s.client} | ${s.mode} | ${Math.round(s.recordsPerCpuSecond).toLocaleString('en-US')} | ${s.wallSeconds.toFixed(2)} s | ${s.peakRssMb} MB |`),
    '',
    `÷ kafkajs in records per CPU-second: consume ${ratio('consume')}; produce ${ratio('produce')}.`,
    '',
    `\`${r.command}\``,
    '',
  ].join('\n');
}

const USAGE = `Usage: npm run bench:clients -- [options]

kafkajs against @confluentinc/kafka-javascript as bare clients: consume and produce watch events.

  --confluent DIR   folder whose node_modules holds @confluentinc/kafka-javascript (default: $EDDY_CONFLUENT_DIR,
                    else installed on first use under ~/.eddy)
  --clients LIST    ${CLIENTS.join(',')} (default: all)
  --events N        records per run (default 1000000)
  --repetitions N   runs per client and mode, alternating clients (default 3)
  --brokers LIST    Kafka (default 127.0.0.1:9092)
  --out DIR         where results go (default bench/results/kafka-clients)
`;

/** The Confluent client's folder: the one given (which must have it), else installed on first use. */
function confluentFolder(given: string | undefined, log: (l: string) => void): string {
  try {
    return ensureConfluentClient({ ...(given ? { dir: given } : {}), log });
  } catch (e) {
    throw new Error(`--confluent: ${(e as Error).message}`);
  }
}

export async function runKafkaClientsBench(argv: string[], log: (l: string) => void = console.log): Promise<Record<string, unknown> | undefined> {
  const parsed = benchOptions(argv, Options, USAGE);
  if (!parsed) return undefined;
  const wantsConfluent = parsed.clients.some((c) => c.startsWith('confluent'));
  const o = { ...parsed, confluent: wantsConfluent ? confluentFolder(parsed.confluent, log) : undefined };
  if (!existsSync(RUNNER)) throw new Error('dist/ is missing: npm run build');
  const admin = new KafkaAdmin(kafkaClientOptions({ brokers: o.brokers, clientId: 'eddy-bench-clients', logLevel: 'nothing' }));
  await admin.connect();
  const stamp = Date.now();
  const topics = { input: `bench-clients-in-${stamp}`, output: (c: string, i: number) => `bench-clients-out-${c}-${i}-${stamp}` };
  try {
    await admin.ensureTopics([{ name: topics.input, partitions: 8 }]);
    for (let i = 0; i < o.repetitions; i += 1) await admin.ensureTopics(o.clients.map((c) => ({ name: topics.output(c, i), partitions: 8 })));
  } finally {
    await admin.disconnect();
  }
  log(`writing ${o.events.toLocaleString('en-US')} events to ${topics.input} (not measured)…`);
  runOnce('kafkajs', 'produce', o, topics.input);

  const startedAt = new Date().toISOString();
  const runs = new Map<string, ClientMeasure[]>();
  for (let i = 0; i < o.repetitions; i += 1) {
    // Alternating which client goes first, so neither always meets a warmer broker.
    const order = i % 2 === 0 ? o.clients : [...o.clients].reverse();
    for (const client of order) {
      for (const mode of MODES) {
        const m = runOnce(client, mode, o, mode === 'produce' ? topics.output(client, i) : topics.input);
        log(`  ${client} ${mode} #${i + 1}: ${Math.round(m.records / m.cpuSeconds).toLocaleString('en-US')} records per CPU-s, ${m.wallSeconds.toFixed(2)} s wall`);
        runs.set(`${client} ${mode}`, [...(runs.get(`${client} ${mode}`) ?? []), m]);
      }
    }
  }
  const summaries: Summary[] = o.clients.flatMap((client) =>
    MODES.map((mode) => {
      const rs = runs.get(`${client} ${mode}`)!;
      return {
        client, mode, runs: rs,
        recordsPerCpuSecond: median(rs.map((r) => r.records / r.cpuSeconds)),
        wallSeconds: median(rs.map((r) => r.wallSeconds)),
        peakRssMb: Math.round(median(rs.map((r) => r.peakRssBytes)) / 2 ** 20),
      };
    }),
  );
  const result = { startedAt, command: commandLine('bench:clients', argv), machine: machineFacts(), events: o.events, summaries };
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'kafka-clients.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(o.out, 'kafka-clients.md'), markdown(result));
  log(markdown(result));
  return result;
}

runAsScript('kafka-clients.js', 'bench:clients', (argv) => runKafkaClientsBench(argv));
