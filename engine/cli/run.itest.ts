/** `eddy run`, `eddy plan` and `eddy jobs` through the real entry point (dist/engine/cli/eddy.js). */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { createTopics, readTopic, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { expectExactTrending, produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { WINDOW, runEddy, servingUrl } from './testing/eddy-process.js';

const eddy = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'engine', 'cli', 'eddy.js');

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
    expect(JSON.parse(run.stdout)).toMatchObject({ ended: 'finished' });
    expect(run.stderr).not.toMatch(/input records/); // no progress on a pipe
    // Unpaced, event time still advances at the nominal 20k/min: 5000 events span 15 s after the
    // (window-aligned) start time, jittered up to 5 s back. Windows of 10 s every 5 s that hold some
    // of [start−5 s, start+15 s) start at −10, −5, 0, 5 and 10 s: 5 windows × (5 categories + "all"),
    // each exactly once for a read_committed reader.
    const trending = await readTopic(output, 5 * 6);
    expect(trending).toHaveLength(5 * 6);
    expect(new Set(trending.map((r) => `${r.key?.toString()}|${JSON.parse(r.value.toString()).windowStart}`)).size).toBe(5 * 6);
    expect(await readTopic(`${input}-dlq`, bad)).toHaveLength(bad);
  });

  it('runs two member threads that join each group in one rebalance and, finished, open nothing more: every task opens once', async () => {
    const input = uniqueName('run-in');
    const output = uniqueName('run-out');
    await createTopics([{ name: input, partitions: 4 }]);
    const produced = await produceWatchEvents(input, 8_000, { seed: 17, badFraction: 0.01 });
    const run = await runEddy([
      'run', 'content-popularity', '--brokers', inject('kafkaBrokers'), '--input-topic', input, '--output-topic', output, '--bounded',
      '--window', '1m', '--slide', '20s', '--top', String(WINDOW.k), '--out-of-orderness', '5s', '--idle-timeout', '0ms', '--metrics-port', '0',
      '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-run-')), '--group-id', uniqueName('g'), '--parallelism', '2', '--log-level', 'debug',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const opens = run.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; member?: string; task?: string })
      .filter((r) => /^open in \d+ ms$/.test(r.msg)).map((r) => `${r.member} ${r.task}`);
    // Four input tasks and the one top-K task. A member that joined alone would own everything first
    // and hand half of it over (opened twice); one that opened a finished member's tasks, too.
    expect(opens.map((o) => o.split(' ')[1]).sort(), opens.join(', ')).toEqual(['top-k:0', 'watch-events:0', 'watch-events:1', 'watch-events:2', 'watch-events:3']);
    expect(new Set(opens.filter((o) => o.includes('watch-events')).map((o) => o.split(' ')[0])).size, opens.join(', ')).toBe(2);
    await expectExactTrending(produced, { output, dlq: `${input}-dlq` }, WINDOW);
  });

  it('lists jobs and prints a plan', async () => {
    const jobs = await runEddy(['jobs']);
    expect(jobs.stdout).toMatch(/^content-popularity\s+top-K content/m);
    const listed = JSON.parse((await runEddy(['jobs', '--json'])).stdout) as { jobs: { name: string; description: string; module: string }[] };
    expect(listed.jobs.find((j) => j.name === 'content-popularity')).toEqual({ name: 'content-popularity', description: expect.stringMatching(/^top-K content/), module: expect.stringMatching(/content-popularity\/job\.js$/) });
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

  it('takes its options from the environment, and exits 0 when stopped by SIGTERM after a clean shutdown', async () => {
    const input = uniqueName('env-in');
    const groupId = uniqueName('env-g');
    await createTopics([{ name: input, partitions: 1 }]);
    // Every option from a variable: the shared EDDY_BROKERS, the runner's and the job's EDDY_RUN_*.
    const env = { ...process.env, EDDY_BROKERS: inject('kafkaBrokers'), EDDY_RUN_INPUT_TOPIC: input, EDDY_RUN_OUTPUT_TOPIC: uniqueName('env-out'), EDDY_RUN_GROUP_ID: groupId, EDDY_RUN_METRICS_PORT: '0', EDDY_RUN_STATE_DIR: mkdtempSync(join(tmpdir(), 'eddy-env-')), EDDY_RUN_TOP: '4' };
    const child = spawn(process.execPath, [eddy, 'run', 'content-popularity'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor('the runner to serve', () => servingUrl(stderr) !== undefined, 60_000);
    const url = servingUrl(stderr)!;
    await waitFor('the runner to be ready', async () => (await fetch(`${url}/readyz`)).status === 200, 60_000);
    expect(await (await fetch(`${url}/v1/status`)).json()).toMatchObject({ job: 'content-popularity', groupId });
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ended: 'stopped', crashLoops: [] });
    expect(stderr).toMatch(new RegExp(`running content-popularity .* as group ${groupId}`));
  });

  it('shows progress of a bounded run on a terminal', async () => {
    const input = uniqueName('tty-in');
    await createTopics([{ name: input, partitions: 2 }]);
    await produceWatchEvents(input, 3_000, { seed: 9 });
    const args = [eddy, 'run', 'content-popularity', '--brokers', inject('kafkaBrokers'), '--input-topic', input, '--output-topic', uniqueName('tty-out'), '--bounded',
      '--idle-timeout', '0ms', '--metrics-port', '0', '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-tty-')), '--group-id', uniqueName('g')];
    // script(1) gives the run a terminal; what the terminal shows comes back on script's stdout.
    const { stdout } = await promisify(execFile)('script', ['-qec', [process.execPath, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { timeout: 120_000 });
    expect(stdout).toMatch(/\rread [\d,]+ of 3,000 input records \(\d+%\) to the end offsets found at start/);
    expect(stdout).toMatch(/"ended":"finished"/);
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
      [['run', 'content-popularity', '--log-level', 'loud'], /^eddy run: --log-level: expected one of error, warn, info, debug, got "loud"$/],
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
