/** `eddy run`, `eddy plan` and `eddy jobs` through the real entry point (dist/engine/cli/eddy.js). */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { bytesSerde } from '../../connectors/kafka/serde.js';
import { KafkaSource, type SourceRecord } from '../../connectors/kafka/source.js';
import { testClient, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';

const eddy = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'engine', 'cli', 'eddy.js');

function runEddy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [eddy, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Reads a topic (read_committed) until `n` records arrived, then a little longer to catch extras. */
async function readAll(topic: string, n: number): Promise<SourceRecord<Buffer>[]> {
  const out: SourceRecord<Buffer>[] = [];
  const source = new KafkaSource(testClient(), { groupId: uniqueName('reader'), topics: [topic], maxWaitTimeMs: 100 }, bytesSerde, { write: async () => undefined });
  await source.start(async (b) => void out.push(...b.records));
  try {
    await waitFor(`${n} records on ${topic}`, () => out.length >= n, 60_000);
    await new Promise((r) => setTimeout(r, 1_000));
  } finally {
    await source.stop();
  }
  return out;
}

describe('eddy run / plan / jobs', () => {
  it('runs content-popularity bounded over generated events and exits 0', async () => {
    const brokers = inject('kafkaBrokers');
    const input = uniqueName('run-in');
    const output = uniqueName('run-out');
    const gen = await runEddy(['generate', '--brokers', brokers, '--topic', input, '--count', '5000', '--partitions', '2', '--seed', '3', '--start-time', '1763800000000', '--bad-fraction', '0.01']);
    expect(gen.code, gen.stderr).toBe(0);
    const { bad } = JSON.parse(gen.stdout) as { bad: number };
    const run = await runEddy([
      'run', 'content-popularity', '--brokers', brokers, '--input-topic', input, '--output-topic', output, '--bounded',
      '--window', '10s', '--slide', '5s', '--top', '3', '--parallelism', '2', '--checkpoint-interval', '300ms', '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-run-')), '--group-id', uniqueName('g'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    // Unpaced, event time still advances at the nominal 20k/min: 5000 events span 15 s after the
    // (window-aligned) start time, jittered up to 5 s back. Windows of 10 s every 5 s that hold some
    // of [start−5 s, start+15 s) start at −10, −5, 0, 5 and 10 s: 5 windows × (5 categories + "all"),
    // each exactly once for a read_committed reader.
    const trending = await readAll(output, 5 * 6);
    expect(trending).toHaveLength(5 * 6);
    expect(new Set(trending.map((r) => `${r.key?.toString()}|${JSON.parse(r.value.toString()).windowStart}`)).size).toBe(5 * 6);
    expect(await readAll(`${input}-dlq`, bad)).toHaveLength(bad);
  });

  it('lists jobs and prints a plan', async () => {
    const jobs = await runEddy(['jobs']);
    expect(jobs.stdout).toMatch(/^content-popularity\s+top-K content/m);
    const plan = await runEddy(['plan', 'content-popularity', '--top', '3']);
    expect(plan.code).toBe(0);
    const graph = JSON.parse(plan.stdout) as { nodes: { id: string; kind: string; config: { k?: number } }[] };
    expect(graph.nodes.map((n) => n.kind)).toEqual(['source', 'keyBy', 'window', 'sink', 'topK', 'sink']);
    expect(graph.nodes.find((n) => n.kind === 'topK')!.config.k).toBe(3);
  });

  it('rejects bad job options naming the flag', async () => {
    for (const [args, message] of [
      [['run', 'content-popularity', '--window', 'often'], /^eddy run: --window: expected a duration/],
      [['run', 'content-popularity', '--slide', '20m'], /^eddy run: --slide: must be positive and at most --window/],
      [['run', 'content-popularity', '--parallelism', '0'], /^eddy run: --parallelism: Too small/],
      [['run', 'no-such-job'], /^eddy run: unknown job 'no-such-job'/],
    ] as const) {
      const r = await runEddy([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(message);
    }
  });
});
