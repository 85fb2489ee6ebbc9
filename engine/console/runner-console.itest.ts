/**
 * The console of a standalone runner in a real headless Chromium, against a real `eddy run
 * content-popularity` fed by the watch-event generator: the pages render (the overview, the job
 * page with its stage graph drawn, charts with data, checkpoints and dead letters with reasons), the
 * ranking updates by server push when a window closes, and actions are refused without the token
 * and work with it (savepoint, then stop).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopics, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { startServingEddy, type ServingEddy } from '../cli/testing/eddy-process.js';
import { launchChromium } from './chromium.js';
import { openConsole, waitInPage, type ConsolePage } from './testing/console-page.js';

const TOKEN = 'console-test-token-0123456789';
const START = 1_763_800_000_000;
let runner: ServingEddy;
let url = '';
let input = '';
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  browser = await launchChromium(); // first: a missing Chromium fails here, with how to install it
  input = uniqueName('console-in');
  await createTopics([{ name: input, partitions: 3 }]);
  // 30 s of event time: 20 s windows sliding by 10 s close up to the one ending at START + 20 s.
  await produceWatchEvents(input, 3_000, { startTime: START, eventsPerSecond: 100, badFraction: 0.02, seed: 5 });
  runner = startServingEddy([
    'run', 'content-popularity', '--brokers', inject('kafkaBrokers'), '--input-topic', input, '--output-topic', uniqueName('console-out'),
    '--window', '20s', '--slide', '10s', '--top', '3', '--out-of-orderness', '2s', '--checkpoint-interval', '500ms',
    '--metrics-port', '0', '--group-id', uniqueName('console-g'), '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-console-')),
  ], { EDDY_API_TOKEN: TOKEN });
  url = await runner.url;
  await waitFor('the first ranking', async () => (await fetch(`${url}/v1/trending?category=all`)).status === 200, 90_000);
});
afterAll(async () => {
  await browser?.close();
  runner?.kill();
});

async function rows(c: ConsolePage, selector: string): Promise<string[][]> {
  return c.page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

describe('the console of a runner', () => {
  it('renders the overview and the job page: stage graph, charts with data, checkpoints, dead letters', async () => {
    const c = await openConsole(browser.context, url);
    await c.show('/');
    await waitInPage(c.page, "Number(document.querySelector('table.jobs tbody td:nth-child(8)')?.textContent?.replaceAll(',', '')) > 0");
    const [row] = await rows(c, 'table.jobs');
    expect(row!.slice(0, 3)).toEqual(['content-popularity', 'this', 'running']);
    expect(row![4]).toBe('1'); // parallelism
    expect(row![5]).toBe('1'); // processes in the group

    await c.show('/jobs/this');
    await c.page.waitForSelector('svg.stage-graph g.stage');
    expect(await c.page.$$eval('svg.stage-graph g.stage', (gs) => gs.map((g) => g.getAttribute('data-stage')))).toEqual(['watch-events', 'top-k']);
    expect(await c.page.$$eval('svg.stage-graph rect.node', (ns) => ns.map((n) => n.getAttribute('data-node')))).toContain('views-per-window');
    // Throughput needs two samples; every chart has points and lines drawn.
    await waitInPage(c.page, "[...document.querySelectorAll('.chart')].length === 3 && [...document.querySelectorAll('.chart')].every((el) => Number(el.getAttribute('data-points')) > 3)");
    expect(await c.page.$$eval('.chart svg path[data-series]', (ps) => ps.length)).toBeGreaterThan(3);
    await waitInPage(c.page, "document.querySelectorAll('table.checkpoints tbody tr').length > 0 && document.querySelectorAll('table.dead-letters tbody tr').length > 0");
    const checkpoints = await rows(c, 'table.checkpoints');
    expect(checkpoints[0]![5]).toBe('completed');
    expect(checkpoints[0]![3]).toMatch(/^\d+ ms$/);
    const reasons = (await rows(c, 'table.dead-letters')).map((r) => r[1]);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((r) => ['decode', 'schema', 'size', 'time'].includes(r!))).toBe(true);
    expect(await c.page.textContent('.totals')).toMatch(/Dead letters by reason/);
    expect(c.errors).toEqual([]);
  });

  it('updates the ranking by server push when the next window closes', async () => {
    const c = await openConsole(browser.context, url);
    await c.show('/jobs/this/results');
    await c.page.waitForSelector('.ranking[data-key="all"] tbody tr');
    const before = Number(await c.page.getAttribute('.ranking[data-key="all"]', 'data-window-end'));
    await c.page.evaluate('window.marker = 1'); // gone if the page reloads
    await produceWatchEvents(input, 2_000, { startTime: START + 30_000, eventsPerSecond: 100, seed: 6 });
    await waitInPage(c.page, `Number(document.querySelector('.ranking[data-key="all"]')?.getAttribute('data-window-end')) > ${before}`, 60_000);
    expect(await c.page.evaluate('window.marker')).toBe(1);
    expect(Number(await c.page.getAttribute('.live-status', 'data-updates'))).toBeGreaterThan(0);
    expect((await rows(c, '.ranking[data-key="all"]'))[0]![0]).toBe('1');
    expect(c.errors).toEqual([]);
  });

  it('is read-only without the token, refuses a wrong one, and takes a savepoint and stops with it', async () => {
    const c = await openConsole(browser.context, url);
    await c.show('/jobs/this');
    await c.page.waitForSelector('.read-only');
    expect(await c.page.$$('[data-action]')).toHaveLength(0);
    expect(await c.page.evaluate(`fetch('/v1/savepoints', { method: 'POST', body: '{"directory":"/tmp/x"}' }).then((r) => r.status)`)).toBe(401);

    const act = async (action: string, directory?: string): Promise<string> => {
      await c.page.click(`[data-action="${action}"]`);
      if (directory !== undefined) await c.page.fill('dialog input[name="directory"]', directory);
      await c.page.click(`[data-confirm="${action}"]`);
      await c.page.waitForSelector('.action-result .error, .action-result .notice');
      return (await c.page.textContent('.action-result'))!;
    };
    await c.page.fill('#token', 'not-the-token');
    await c.page.press('#token', 'Enter');
    await c.page.waitForSelector('[data-action="Savepoint"]');
    const dir = mkdtempSync(join(tmpdir(), 'eddy-console-sp-'));
    expect(await act('Savepoint', join(dir, 'refused'))).toMatch(/Savepoint failed: 401 refused, the API token is missing or wrong/);

    await c.page.fill('#token', TOKEN);
    await c.page.press('#token', 'Enter');
    await c.page.waitForSelector('[data-action="Savepoint"]');
    expect(await act('Savepoint', join(dir, 'sp1'))).toMatch(/Savepoint: done/);
    await waitInPage(c.page, `document.body.textContent.includes(${JSON.stringify(join(dir, 'sp1'))})`);
    expect(await act('Stop')).toMatch(/Stop: done/);
    expect(await runner.exitCode).toBe(0);
  });
});
