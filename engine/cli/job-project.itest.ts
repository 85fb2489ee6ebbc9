/**
 * A job in its own project, as a platform team would have it: Eddy packed (`npm pack`), `eddy init`
 * in an empty folder outside the repository, the tarball installed there (from npm's cache when it
 * has the dependencies), the scaffold's own test, a bounded run against the broker with the
 * project's eddy, and a submit to a job manager of the repository's build: another copy of the same
 * version, which runs the job on its own engine (the job's metric binds only to that one).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readTopic, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { REPO } from '../api/testing/job-project.js';

const work = mkdtempSync(join(tmpdir(), 'eddy-job-project-'));
const project = join(work, 'views-job');
const token = join(work, 'token');
// The children get none of this run's npm and vitest variables: npm would take the repository for
// the project, vitest would take itself for a worker of this run.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$)/i.test(k)));
const exec = promisify(execFile);
/** The project's own eddy, as `npx eddy` runs it. */
const projectEddy = (args: string[]) => exec(process.execPath, [join(project, 'node_modules', 'eddy', 'dist', 'engine', 'cli', 'eddy.js'), ...args], { cwd: project, env, maxBuffer: 1 << 24 });
const npm = (args: string[], cwd: string) => exec('npm', args, { cwd, env, maxBuffer: 1 << 24 });

const { version: VERSION } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const input = uniqueName('job-project-in');
const COUNT = 4_000;
let jobManager: ChildProcess | undefined;

afterAll(async () => {
  if (jobManager && jobManager.exitCode === null) {
    const exited = new Promise((r) => jobManager!.once('exit', r));
    jobManager.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

/** What the job must write for the generated input: views of at least 5 s per category and minute. */
async function expectedCounts(): Promise<Map<string, number>> {
  const events = (await readTopic(input, COUNT, 0)).map((r) => JSON.parse(r.value.toString()) as { category: string; watchSeconds: number; eventTime: number });
  const want = new Map<string, number>();
  for (const e of events.filter((x) => x.watchSeconds >= 5)) {
    const key = `${e.category}@${Math.floor(e.eventTime / 60_000) * 60_000}`;
    want.set(key, (want.get(key) ?? 0) + 1);
  }
  return want;
}

/** The job's output topic as the same map, read once `windows` records are there. */
async function outputCounts(topic: string, windows: number): Promise<Map<string, number>> {
  const records = (await readTopic(topic, windows)).map((r) => JSON.parse(r.value.toString()) as { category: string; windowStart: number; views: number });
  return new Map(records.map((r) => [`${r.category}@${r.windowStart}`, r.views]));
}

describe('a job in its own project, outside the repository', () => {
  it('is scaffolded by eddy init into an empty folder and installs eddy from its npm pack tarball', async () => {
    const packed = JSON.parse((await npm(['pack', '--json', '--pack-destination', work], REPO)).stdout) as { filename: string }[];
    const tarball = join(work, packed[0]!.filename);
    const init = await exec(process.execPath, [join(REPO, 'dist', 'engine', 'cli', 'eddy.js'), 'init', project, '--eddy', `file:${tarball}`, '--json'], { env });
    expect(JSON.parse(init.stdout)).toMatchObject({ dir: project, name: 'views-job', files: expect.arrayContaining(['package.json', 'src/job.ts', 'src/job.test.ts', 'README.md']) });
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], project);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'eddy', 'package.json'), 'utf8')) as { version: string; exports: Record<string, unknown> };
    expect(installed.version).toBe(VERSION);
    expect(Object.keys(installed.exports)).toEqual(expect.arrayContaining(['.', './testing']));
  }, 150_000);

  it("passes the scaffold's own test (type-check, then the operator harness) and builds", async () => {
    const test = await npm(['test'], project);
    expect(test.stdout).toMatch(/Tests\s+.*2 passed/);
    await npm(['run', 'build'], project);
    const plan = JSON.parse((await projectEddy(['plan', './dist/job.js', '--json'])).stdout) as { job: string; stages: unknown[] };
    expect(plan).toMatchObject({ job: 'views-job', stages: [expect.anything(), expect.anything()] });
    // The installed package holds the templates, and depends a new project on its own version.
    const again = join(work, 'again');
    await projectEddy(['init', again, '--name', 'views-job']);
    const pkg = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg(again).dependencies).toEqual({ ...pkg(project).dependencies, eddy: `^${VERSION}` });
    expect(readFileSync(join(again, 'src', 'job.ts'), 'utf8')).toBe(readFileSync(join(project, 'src', 'job.ts'), 'utf8'));
  }, 60_000);

  it('runs bounded against the broker with its own eddy, and writes the counts', async () => {
    const brokers = inject('kafkaBrokers');
    await projectEddy(['generate', '--brokers', brokers, '--topic', input, '--partitions', '3', '--count', String(COUNT), '--seed', '7', '--start-time', '1763800000000', '--out-of-order', '0ms']);
    const output = uniqueName('job-project-out');
    const run = await projectEddy([
      'run', './dist/job.js', '--bounded', '--brokers', brokers, '--input-topic', input, '--output-topic', output, '--group-id', uniqueName('g'),
      '--checkpoint-interval', '250ms', '--metrics-port', '0', '--state-dir', join(work, 'state'),
    ]);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { ended: string; records: number; outputs: Record<string, number> };
    expect(summary).toMatchObject({ ended: 'finished', records: COUNT });
    const want = await expectedCounts();
    expect(summary.outputs['category-views']).toBe(want.size);
    expect(await outputCounts(output, want.size)).toEqual(want);
  }, 90_000);

  it('is submitted by path to a job manager of the same version, and refused, naming both versions, at another', async () => {
    jobManager = spawn(process.execPath, [join(REPO, 'dist', 'engine', 'cli', 'eddy.js'), 'cluster', 'start', '--port', '0', '--token-file', token, '--state-root', join(work, 'cluster'), '--brokers', inject('kafkaBrokers')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    jobManager.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor('the job manager', () => /job manager at http:\/\/\S+/.test(log), 30_000);
    const url = /job manager at (http:\/\/\S+)/.exec(log)![1]!;
    const output = uniqueName('job-project-out');
    const submit = await projectEddy(['submit', './dist/job.js', '--bounded', '--input-topic', input, '--output-topic', output, '--group-id', uniqueName('g'), '--checkpoint-interval', '250ms', '--url', url, '--token-file', token, '--json']);
    const { id } = JSON.parse(submit.stdout) as { id: string };
    let status: { state: string; job: string; failure: string | null; summary: { outputs: Record<string, number> } | null } | undefined;
    await waitFor('the submitted job to end', async () => {
      status = JSON.parse((await projectEddy(['status', id, '--url', url, '--json'])).stdout) as typeof status;
      return !['running', 'cancelling', 'stopping'].includes(status!.state);
    }, 60_000);
    expect(status, log).toMatchObject({ state: 'finished', job: join(project, 'dist', 'job.js'), failure: null });
    const want = await expectedCounts();
    expect(status!.summary!.outputs['category-views']).toBe(want.size);
    expect(await outputCounts(output, want.size)).toEqual(want);

    // The project's eddy at another version: its own CLI runs it, the job manager refuses it.
    const installed = join(project, 'node_modules', 'eddy', 'package.json');
    writeFileSync(installed, readFileSync(installed, 'utf8').replace(/"version": "[^"]+"/, '"version": "0.0.0-other"'));
    const refused = await projectEddy(['submit', './dist/job.js', '--url', url, '--token-file', token]).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(new RegExp(`^eddy submit: job: ${join(project, 'dist', 'job.js')} imports eddy 0\\.0\\.0-other \\(${join(project, 'node_modules', 'eddy')}\\), but this eddy is \\S+ \\(\\S+\\): the versions must agree`));
  }, 120_000);
});
