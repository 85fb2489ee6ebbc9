/**
 * The output of a recovery run, checked: after the restarted engine has recovered, the harness stops
 * the trickle, reads back everything the input holds, appends flush events that close every window,
 * and compares the engine's whole output (before and after the kill, read_committed) with the
 * reference over that input. A ranking written twice across the kill, or lost with it, shows here.
 */
import { randomUUID } from 'node:crypto';
import type { GeneratedRecord } from '../../connectors/generator/watch-event-generator.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import { bytesSerde } from '../../engine/api/serde.js';
import { OutputCheck } from './engine-run.js';
import { expectedOutput, flushRecords, type WorkloadSpec } from './workload.js';

/** Reads a topic from the beginning to its end as it is now (idempotent producers: offsets count records). */
async function readToEnd(kafka: KafkaClientOptions, topic: string, onRecord: (key: string | null, value: Buffer) => void): Promise<number> {
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  const total = (await admin.offsets(topic).finally(() => admin.disconnect())).reduce((a, p) => a + Number(p.high - p.low), 0);
  let read = 0;
  const source = new KafkaSource(kafka, { groupId: `bench-check-${randomUUID()}`, topics: [topic], isolation: 'read_committed', maxWaitTimeMs: 100, maxRecordBytes: 1 << 30 }, bytesSerde, { write: async () => undefined });
  await source.start(async (batch) => {
    for (const r of batch.records) onRecord(r.key?.toString() ?? null, r.value);
    read += batch.records.length;
  });
  try {
    const deadline = Date.now() + 300_000;
    while (read < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await source.stop();
  }
  return read;
}

/**
 * @example
 * const { problems } = await checkRecoveredOutput(kafka, { input, output, spec, timeoutMs: 300_000 });
 */
export async function checkRecoveredOutput(kafka: KafkaClientOptions, o: { input: string; output: string; spec: WorkloadSpec; timeoutMs: number }): Promise<{ rankings: number; problems: string[] }> {
  const records: GeneratedRecord[] = [];
  await readToEnd(kafka, o.input, (key, value) => records.push({ key, value, kind: 'good' }));
  const expected = expectedOutput(o.spec, records);
  const sink = new KafkaSink(kafka);
  await sink.connect();
  await sink.send(o.input, flushRecords(o.spec, expected.maxEventTime)).finally(() => sink.disconnect());

  const check = new OutputCheck(expected);
  const source = new KafkaSource(kafka, { groupId: `bench-check-${randomUUID()}`, topics: [o.output], isolation: 'read_committed', maxWaitTimeMs: 100 }, bytesSerde, { write: async () => undefined });
  await source.start(async (batch) => {
    for (const r of batch.records) check.add(r.key?.toString() ?? null, r.value);
  });
  try {
    const deadline = Date.now() + o.timeoutMs;
    while (!check.complete && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 2_000)); // late duplicates would show here
  } finally {
    await source.stop();
  }
  return { rankings: check.seen.size, problems: [...check.problems, ...(check.complete ? [] : [`incomplete: ${check.progress()}`])] };
}
