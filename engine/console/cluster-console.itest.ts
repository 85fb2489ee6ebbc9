/**
 * The job manager's console in a real headless Chromium, against a real `eddy cluster start`
 * running a real content-popularity job over generated watch events: without the token it is
 * read-only and a submit is refused; with it a job is submitted from the form (options drawn from
 * the job's schema), its page renders through the job manager (stage graph, charts with data, its
 * ranking pushed live), the overview lists it, and it is cancelled after a confirmation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopics, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { EDDY_BIN } from '../cli/testing/eddy-process.js';
import { launchChromium } from './chromium.js';
import { openConsole, waitInPage, type ConsolePage } from './testing/console-page.js';

const root = mkdtempSync(join(tmpdir(), 'eddy-console-jm-'));
const tokenFile = join(root, 'token');
let cluster: ChildProcess;
let url = '';
let input = '';
let browser: Awaited<ReturnType<typeof launchChromium>>;
let c: ConsolePage;
let jobId = '';

beforeAll(async () => {
  browser = await launchChromium();
  input = uniqueName('console-jm-in');
  await createTopics([{ name: input, partitions: 2 }]);
  await produceWatchEvents(input, 3_000, { startTime: 1_763_800_000_000, eventsPerSecond: 100, badFraction: 0.02, seed: 7 });
  let stderr = '';
  cluster = spawn(process.execPath, [EDDY_BIN, 'cluster', 'start', '--port', '0', '--token-file', tokenFile, '--state-root', root, '--jobs', 'content-popularity', '--brokers', inject('kafkaBrokers')], { stdio: ['ignore', 'ignore', 'pipe'] });
  cluster.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor('the job manager', () => /job manager at (http:\S+)/.test(stderr), 30_000);
  url = /job manager at (http:\S+)/.exec(stderr)![1]!;
  c = await openConsole(browser.context, url);
});
afterAll(async () => {
  await browser?.close();
  if (cluster && cluster.exitCode === null) {
    const exited = new Promise((resolve) => cluster.on('close', resolve));
    cluster.kill('SIGTERM'); // stops its jobs gracefully
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (cluster.exitCode === null) cluster.kill('SIGKILL');
  }
});

describe('the console of the job manager', () => {
  it('is read-only without the token: no submit form, and a submit is refused', async () => {
    await c.show('/submit');
    expect(await c.page.textContent('.read-only')).toMatch(/needs the job manager and its API token/);
    expect(await c.page.evaluate(`fetch('/v1/jobs', { method: 'POST', body: '{"job":"content-popularity"}' }).then((r) => r.status)`)).toBe(401);
  });

  it('submits a job with options from the form, and shows its page, charts and live ranking', async () => {
    c.errors.splice(0); // the refused submit above logged its 401
    await c.page.fill('#token', readFileSync(tokenFile, 'utf8').trim());
    await c.page.press('#token', 'Enter');
    await c.show('/submit');
    const fields = { inputTopic: input, outputTopic: uniqueName('console-jm-out'), window: '20s', slide: '10s', top: '3', outOfOrderness: '2s', groupId: uniqueName('console-jm-g'), checkpointInterval: '500ms' };
    for (const [name, value] of Object.entries(fields)) await c.page.fill(`form input[name="${name}"]`, value);
    let asked = '';
    c.page.once('dialog', (d) => void ((asked = d.message()), d.accept()));
    await c.page.click('form button[type="submit"]');
    await c.page.waitForURL(/#\/jobs\/[0-9a-f]+$/);
    expect(asked).toMatch(/^Submit content-popularity with \{.*"top":3/);
    jobId = /#\/jobs\/([0-9a-f]+)$/.exec(c.page.url())![1]!;
    await c.page.waitForSelector('svg.stage-graph g.stage', { timeout: 60_000 });
    expect(await c.page.$$eval('svg.stage-graph g.stage', (gs) => gs.length)).toBe(2);
    await waitInPage(c.page, "[...document.querySelectorAll('.chart')].length === 3 && [...document.querySelectorAll('.chart')].every((el) => Number(el.getAttribute('data-points')) > 2)", 60_000);
    await waitInPage(c.page, "document.querySelectorAll('table.dead-letters tbody tr').length > 0", 60_000);

    await c.show(`/jobs/${jobId}/results`);
    await c.page.waitForSelector('.ranking[data-key="all"] tbody tr', { timeout: 60_000 });
    expect(await c.page.$$eval('.ranking', (cards) => cards.map((x) => x.getAttribute('data-key')))).toContain('movies');

    await c.show('/');
    await waitInPage(c.page, "Number(document.querySelector('table.jobs tbody td:nth-child(8)')?.textContent?.replaceAll(',', '')) > 0");
    const row = await c.page.$$eval('table.jobs tbody tr td', (tds) => tds.map((td) => td.textContent));
    expect(row.slice(1, 3)).toEqual([jobId, 'running']);
    expect(c.errors.filter((e) => !/503/.test(e))).toEqual([]); // 503s: the runner was still starting
  });

  it('cancels the job after a confirmation', async () => {
    await c.show(`/jobs/${jobId}`);
    await c.page.click('[data-action="Cancel"]');
    expect(await c.page.textContent('dialog')).toMatch(/Cancel the job/);
    await c.page.click('[data-confirm="Cancel"]');
    // The answer replaces "waiting for the answer…" once the request is back.
    await c.page.waitForSelector('.action-result .error, .action-result .notice');
    expect(await c.page.textContent('.action-result')).toMatch(/Cancel: done/);
    await waitFor('the job to be cancelled', async () => ((await (await fetch(`${url}/v1/jobs/${jobId}`)).json()) as { state: string }).state === 'cancelled', 60_000);
  });
});
