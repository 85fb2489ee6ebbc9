/** `eddy run`, `eddy plan` and `eddy jobs` through the real entry point (dist/engine/cli/eddy.js). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createTopics, readTopic, uniqueName } from '../../connectors/kafka/testing/fixtures.js';
import { expectExactTrending, produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, runEddy } from './eddy-process.js';

/** A bounded run with `args` over 8,000 seeded events (1% bad) on 3 partitions equals the reference. */
async function expectBoundedRunExact(seed: number, args: string[]): Promise<void> {
  const input = uniqueName('run-in');
  const output = uniqueName('run-out');
  await createTopics([{ name: input, partitions: 3 }]);
  const produced = await produceWatchEvents(input, 8_000, { seed, badFraction: 0.01 });
  const run = await runEddy([
    'run', 'content-popularity', '--brokers', inject('kafkaBrokers'), '--input-topic', input, '--output-topic', output, '--bounded',
    '--window', '1m', '--slide', '20s', '--top', String(WINDOW.k), '--out-of-orderness', '5s', '--idle-timeout', '0ms', '--metrics-port', '0',
    '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-run-')), '--group-id', uniqueName('g'), ...args,
  ]);
  expect(run.code, run.stderr).toBe(0);
  await expectExactTrending(produced, { output, dlq: `${input}-dlq` }, WINDOW);
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
      '--window', '10s', '--slide', '5s', '--top', '3', '--parallelism', '1', '--checkpoint-interval', '300ms', '--metrics-port', '0', '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-run-')), '--group-id', uniqueName('g'),
      // Fetches held for bytes: the bounded run still reaches every partition's end.
      '--fetch-min-bytes', '65536', '--fetch-max-wait', '100ms',
      // The member on the runner's own thread (worker threads are what every other run uses).
      '--member-thread', 'main',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // Unpaced, event time still advances at the nominal 20k/min: 5000 events span 15 s after the
    // (window-aligned) start time, jittered up to 5 s back. Windows of 10 s every 5 s that hold some
    // of [start−5 s, start+15 s) start at −10, −5, 0, 5 and 10 s: 5 windows × (5 categories + "all"),
    // each exactly once for a read_committed reader.
    const trending = await readTopic(output, 5 * 6);
    expect(trending).toHaveLength(5 * 6);
    expect(new Set(trending.map((r) => `${r.key?.toString()}|${JSON.parse(r.value.toString()).windowStart}`)).size).toBe(5 * 6);
    expect(await readTopic(`${input}-dlq`, bad)).toHaveLength(bad);
  });

  it('lists jobs and prints a plan', async () => {
    const jobs = await runEddy(['jobs']);
    expect(jobs.stdout).toMatch(/^content-popularity\s+top-K content/m);
    const plan = await runEddy(['plan', 'content-popularity', '--top', '3', '--json']);
    expect(plan.code).toBe(0);
    const d = JSON.parse(plan.stdout) as { stages: { id: string; reads: string }[]; internalTopics: { name: string }[]; graph: { nodes: { id: string; kind: string; config: { k?: number } }[] } };
    expect(d.graph.nodes.map((n) => n.kind)).toEqual(['source', 'keyBy', 'window', 'sink', 'topK', 'sink']);
    expect(d.graph.nodes.find((n) => n.kind === 'topK')!.config.k).toBe(3);
    // The stages it had before stages were general: the partitions' and the merge's.
    expect(d.stages.map((s) => [s.id, s.reads])).toEqual([['watch-events', 'watch-events'], ['top-k', 'content-popularity-top-k-partials']]);
    expect(d.internalTopics.map((t) => t.name).sort()).toEqual(['content-popularity-top-k-changelog', 'content-popularity-top-k-partials', 'content-popularity-watch-events-changelog']);
    const text = await runEddy(['plan', 'content-popularity', '--group-id', 'g1']);
    expect(text.stdout).toMatch(/^stage top-k: reads g1-top-k-partials/m);
    expect(text.stdout).toMatch(/^ {2}by-content: keyBy, input partitioning \(no shuffle\)/m);
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await runEddy([flag])).toMatchObject({ code: 0, stdout: `eddy ${pkg.version}\n` });
  });

  it('rejects bad job options naming the flag', async () => {
    for (const [args, message] of [
      [['run', 'content-popularity', '--window', 'often'], /^eddy run: --window: expected a duration/],
      [['run', 'content-popularity', '--slide', '20m'], /^eddy run: --slide: must be positive and at most --window/],
      [['run', 'content-popularity', '--parallelism', '0'], /^eddy run: --parallelism: Too small/],
      [['run', 'no-such-job'], /^eddy run: unknown job 'no-such-job'/],
      [['run', 'content-popularity', '--processing-guarantee', 'maybe'], /^eddy run: --processing-guarantee: /],
      [['run', 'content-popularity', '--fetch-min-bytes', '0'], /^eddy run: --fetch-min-bytes: Too small/],
      [['run', 'content-popularity', '--fetch-max-wait', 'soon'], /^eddy run: --fetch-max-wait: expected a duration/],
      [['run', 'content-popularity', '--input-client', 'rdkafka'], /^eddy run: --input-client: /],
      [['run', 'content-popularity', '--input-client', 'confluent', '--parallelism', '2'], /^eddy run: --member-thread: main runs one member: --parallelism 1 only/],
      [['run', 'content-popularity', '--input-client', 'confluent', '--member-thread', 'worker'], /^eddy run: --member-thread: --input-client confluent runs its member on the main thread/],
      [['run', 'content-popularity', '--member-thread', 'elsewhere'], /^eddy run: --member-thread: /],
      [['run', 'content-popularity', '--max-groups', '0'], /^eddy run: --max-groups: Too small/],
      [['run', 'content-popularity', '--max-future-skew', 'soon'], /^eddy run: --max-future-skew: expected a duration/],
      [['run', 'content-popularity', '--max-record-bytes', '5'], /^eddy run: --max-record-bytes: Too small/],
      [['run', 'content-popularity', '--restart-limit', '0'], /^eddy run: --restart-limit: Too small/],
      [['run', 'content-popularity', '--paralelism', '2'], /^eddy run: Unknown option '--paralelism': did you mean '--parallelism'\?$/],
      [['plna', 'content-popularity'], /^eddy: unknown command 'plna'\. Did you mean 'plan'\?/],
      [['deploy'], /^eddy: unknown command 'deploy'\. Run 'eddy --help'/],
    ] as const) {
      const r = await runEddy([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(message);
    }
  });

  it('runs at-least-once: the same rankings, written outside the transactions', async () => {
    // Without a crash nothing repeats: the output is the reference exactly.
    await expectBoundedRunExact(17, ['--processing-guarantee', 'at-least-once', '--parallelism', '2']);
  });

  // Installs the client on first use (about a minute) unless confluent-source.itest.ts did already.
  it('runs on the Confluent client: the same rankings as the reference, every bad record dead-lettered', { timeout: 900_000 }, async () => {
    await expectBoundedRunExact(23, ['--input-client', 'confluent', '--parallelism', '1', '--checkpoint-interval', '300ms']);
  });
});
