/**
 * `npm run console:screenshots`: the console's screenshots in docs/images/, from a real job. Starts
 * a job manager on a free port (its own state folder and token), a generator feeding a fresh topic
 * at 200 events/s (a little bad and late input, so dead letters and late counts show), submits
 * content-popularity with 20 s windows sliding by 10 s, waits until its charts have a minute of
 * samples and its ranking is out, then photographs each page in Debian's Chromium and stops it all.
 * Needs a Kafka broker (`--brokers` or $KAFKA_BROKERS, default 127.0.0.1:9092: `eddy kafka start`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium } from '../chromium.js';

const here = dirname(fileURLToPath(import.meta.url));
const EDDY = join(here, '..', '..', 'cli', 'eddy.js');
const OUT = join(here, '..', '..', '..', '..', 'docs', 'images');
const WARM_UP_MS = 60_000;

const { values } = parseArgs({ options: { brokers: { type: 'string' }, out: { type: 'string' } } });
const brokers = values.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const out = values.out ?? OUT;
const children: ChildProcess[] = [];

/** Starts `eddy <args>`; resolves with the first match of `ready` in its stderr. */
function eddy(args: string[], ready?: RegExp): Promise<string> {
  const child = spawn(process.execPath, [EDDY, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  return new Promise((resolve, reject) => {
    if (!ready) resolve('');
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = ready?.exec(stderr);
      if (m) resolve(m[1] ?? '');
    });
    child.on('close', (code) => reject(new Error(`eddy ${args[0]} exited (${code}): ${stderr.slice(-1_000)}`)));
  });
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'eddy-screenshots-'));
  const run = `console-demo-${Date.now()}`;
  const url = await eddy(['cluster', 'start', '--port', '0', '--token-file', join(root, 'token'), '--state-root', root, '--jobs', 'content-popularity,watch-time-by-region,viewer-sessions', '--brokers', brokers], /job manager at (http:\S+)/);
  const token = readFileSync(join(root, 'token'), 'utf8').trim();
  // Its first progress line (after 10 s) says its topic exists: the job starts on a topic that is there.
  await eddy(['generate', '--brokers', brokers, '--topic', `${run}-in`, '--partitions', '4', '--rate', '200/s', '--items', '2000', '--bad-fraction', '0.01', '--late-fraction', '0.002', '--duration', '10m'], /(produced)/);
  const options = { inputTopic: `${run}-in`, outputTopic: `${run}-trending`, window: '20s', slide: '10s', top: 5, outOfOrderness: '2s', groupId: run, checkpointInterval: '1s', parallelism: 2 };
  const res = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ job: 'content-popularity', options }) });
  const { id } = (await res.json()) as { id: string };
  console.error(`job ${id} submitted; warming up for ${WARM_UP_MS / 1000} s`);
  const browser = await launchChromium({ width: 1360, height: 900 });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${url}/ui/#/jobs/${id}`); // opens the live stream: the runner samples from here on
    await page.evaluate(`sessionStorage.setItem('eddy-console-token', ${JSON.stringify(token)})`);
    await new Promise((r) => setTimeout(r, WARM_UP_MS));
    const { runner } = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as { runner: { restarts: number; members: unknown[] } | null };
    if (runner?.restarts) console.error(`note: the job restarted a member during the warm-up: ${JSON.stringify(runner.members)}`);
    mkdirSync(out, { recursive: true });
    const shots: [route: string, file: string, ready: string][] = [
      ['/', 'console-jobs.png', 'table.jobs'],
      [`/jobs/${id}`, 'console-job.png', '.chart svg'],
      [`/jobs/${id}/results`, 'console-results.png', '.ranking tbody tr'],
      ['/submit', 'console-submit.png', 'form.fields'],
    ];
    for (const [route, file, ready] of shots) {
      await page.goto(`${url}/ui/#${route}`);
      await page.reload(); // a fresh page per route, with the token from the session
      await page.waitForSelector(ready, { timeout: 60_000 });
      await page.waitForTimeout(4_000); // let the tables and charts refresh once
      await page.screenshot({ path: join(out, file), fullPage: true });
      console.error(`wrote ${join(out, file)}`);
    }
  } finally {
    await browser.close();
    // The job manager stops its job gracefully; its folder goes once all have exited.
    await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : (c.once('close', resolve), c.kill('SIGTERM'))))));
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`console:screenshots: ${e.message}`);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
