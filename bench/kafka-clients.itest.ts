import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runKafkaClientsBench } from './kafka-clients.js';

// A tiny run of the client benchmark (kafkajs only: the Confluent client is not a dependency) so it
// cannot rot; it checks what each run read or wrote, never how fast.
describe('kafka clients benchmark (smoke)', () => {
  it('consumes, parses and produces every event with kafkajs, each run in its own process, and writes the results', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eddy-clients-smoke-'));
    const r = (await runKafkaClientsBench(['--brokers', inject('kafkaBrokers'), '--clients', 'kafkajs', '--events', '3000', '--repetitions', '1', '--out', out], () => undefined)) as {
      summaries: { client: string; mode: string; runs: { records: number; valueBytes: number; cpuSeconds: number; invalid?: number }[] }[];
    };
    expect(r.summaries.map((s) => `${s.client} ${s.mode}`)).toEqual(['kafkajs consume', 'kafkajs parse', 'kafkajs produce']);
    const [consume, parse, produce] = r.summaries.map((s) => s.runs[0]!);
    // The consumer read back exactly what the unmeasured preload wrote: same generator, same seed.
    expect(consume!.records).toBe(3_000);
    expect(consume!.valueBytes).toBe(produce!.valueBytes);
    // A watch event's JSON is well over 50 bytes.
    expect(consume!.valueBytes).toBeGreaterThan(3_000 * 50);
    expect(consume!.cpuSeconds).toBeGreaterThan(0);
    // The ceiling's mode: the same records, each a valid watch event.
    expect(parse).toMatchObject({ records: 3_000, valueBytes: consume!.valueBytes, invalid: 0 });
    expect(JSON.parse(readFileSync(join(out, 'kafka-clients.json'), 'utf8')).summaries).toHaveLength(3);
    expect(readFileSync(join(out, 'kafka-clients.md'), 'utf8')).toContain('| kafkajs | consume |');
  });
});
