/**
 * The runner's HTTP server through the real CLI: metrics agree with what was produced (counts known
 * from the generator, not from the engine), the trending view agrees with the committed topic, and
 * bad queries and unauthorised calls get clear errors. Readiness follows the members: not before
 * their tasks are open, nor while one is in a crash loop (the crash-loop job); liveness throughout.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTopics, readTopic, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { TrendingRecordSchema, type TrendingRecord } from '../../jobs/content-popularity/trending-record.js';
import { startServingEddy } from '../cli/testing/eddy-process.js';
import { splitStderr } from '../log/testing/log-capture.js';
import type { RunStatus } from './runner-monitor.js';
import { CRASH_LOOP_ERROR, CRASH_LOOP_JOB } from './testing/crash-loop-job.js';

const children: { kill: () => void }[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill()));

/** Prometheus text → sum of each metric's samples that match the label filter. */
function sumOf(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const l = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => l[k] === v)) total += Number(m[3]);
  }
  return total;
}

describe('runner HTTP server', () => {
  it('serves metrics, status, checkpoints and the trending view of a running job', async () => {
    const brokers = inject('kafkaBrokers');
    const input = uniqueName('srv-in');
    const output = uniqueName('srv-out');
    await createTopics([{ name: input, partitions: 3 }]);
    const produced = await produceWatchEvents(input, 6_000, { badFraction: 0.02, seed: 11 });
    const good = produced.filter((r) => r.kind === 'good').length;
    const bad = produced.length - good;
    expect(bad).toBeGreaterThan(0);

    const token = 'test-token-123';
    const runner = startServingEddy([
      'run', 'content-popularity', '--brokers', brokers, '--input-topic', input, '--output-topic', output,
      '--window', '20s', '--slide', '10s', '--top', '3', '--out-of-orderness', '5s', '--checkpoint-interval', '300ms',
      '--metrics-port', '0', '--group-id', uniqueName('srv-g'), '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-srv-')),
    ], { EDDY_API_TOKEN: token });
    children.push(runner);
    const url = await runner.url;
    // Alive at once, ready only once the member has joined and opened its tasks.
    const early = await fetch(`${url}/readyz`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(early.status).toBe(503);
    expect(((await early.json()) as { reasons: string[] }).reasons).toEqual([expect.stringMatching(/^member-0 (has not started|is starting: its tasks are not all open yet)$/)]);

    await waitFor('every record counted', async () => ((await (await fetch(`${url}/v1/status`)).json()) as { records: number }).records === good, 90_000);
    const status = (await (await fetch(`${url}/v1/status`)).json()) as { state: string; deadLettered: number; parallelism: number };
    expect(status).toMatchObject({ state: 'running', deadLettered: bad, parallelism: 1 });
    await waitFor('the runner to be ready', async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ ready: true });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(sumOf(await (await fetch(`${url}/metrics`)).text(), 'eddy_crash_looping_members')).toBe(0);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(sumOf(metrics, 'eddy_source_records_total')).toBe(good);
    expect(sumOf(metrics, 'eddy_dead_letter_records_total')).toBe(bad);
    expect(sumOf(metrics, 'eddy_records_in_total', { operator: 'views-per-window' })).toBe(good);
    expect(sumOf(metrics, 'eddy_checkpoints_total', { outcome: 'completed' })).toBeGreaterThan(0);
    expect(sumOf(metrics, 'eddy_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(metrics).toMatch(/^eddy_consumer_lag_records\{job_name="content-popularity",partition="watch-events:2"\} 0$/m);

    const checkpoints = (await (await fetch(`${url}/v1/checkpoints`)).json()) as { checkpoints: { id: number; outcome: string }[] };
    expect(checkpoints.checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints.checkpoints.every((c) => c.outcome === 'completed')).toBe(true);

    // The view serves what a read_committed reader of the topic sees last for "all" (the job is idle
    // now, but a last window may still be committing: compare until both agree).
    const newestAll = async (): Promise<TrendingRecord | undefined> =>
      (await readTopic(output, 1, 500)).map((r) => TrendingRecordSchema.parse(JSON.parse(r.value.toString()))).filter((r) => r.category === 'all').sort((a, b) => b.windowEnd - a.windowEnd)[0];
    let served: unknown;
    let expected: TrendingRecord | undefined;
    await waitFor('the view to match the topic', async () => {
      const res = await fetch(`${url}/v1/trending?category=all`);
      served = res.status === 200 ? await res.json() : undefined;
      expected = await newestAll();
      return expected !== undefined && JSON.stringify(served) === JSON.stringify(expected);
    }, 60_000);
    expect(served).toEqual(expected);
    const gauge = await (await fetch(`${url}/metrics`)).text();
    const top = expected!.rankings[0]!;
    expect(sumOf(gauge, 'eddy_trending_views', { category: 'all', rank: '1', content_id: top.contentId })).toBe(top.views);
    const byCategory = (await (await fetch(`${url}/v1/trending`)).json()) as { categories: Record<string, TrendingRecord> };
    expect(Object.keys(byCategory.categories).sort()).toEqual(['all', 'movies', 'news', 'series']);

    const badParam = await fetch(`${url}/v1/trending?categry=all`);
    expect(badParam.status).toBe(400);
    expect(await badParam.json()).toMatchObject({ field: 'categry' });
    expect((await fetch(`${url}/v1/trending?category=nope`)).status).toBe(404);
    expect((await fetch(`${url}/v1/stop`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${url}/v1/stop`, { method: 'POST', headers: { authorization: 'Bearer wrong-token-xyz' } })).status).toBe(401);
    const badBody = await fetch(`${url}/v1/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{"force":true}' });
    expect(await badBody.json()).toMatchObject({ field: 'force' });

    // A stop through the API is graceful and exits 0.
    expect((await fetch(`${url}/v1/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(202);
    expect(await runner.exitCode, runner.stderr().slice(-2_000)).toBe(0);
  });

  it('stays alive but not ready while a member is in a crash loop, and says so', async () => {
    const token = 'test-token-456';
    const runner = startServingEddy([
      'run', CRASH_LOOP_JOB, '--restart-limit', '2', '--brokers', inject('kafkaBrokers'), '--metrics-port', '0',
      '--group-id', uniqueName('srv-crash-loop'), '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-srv-crash-loop-')),
    ], { EDDY_API_TOKEN: token });
    children.push(runner);
    const url = await runner.url;
    const status = async (): Promise<RunStatus> => (await (await fetch(`${url}/v1/status`)).json()) as RunStatus;
    await waitFor('the crash loop', async () => (await status()).crashLoops.length > 0, 30_000);

    expect(await status()).toMatchObject({
      state: 'running', restarts: 1,
      members: [{ member: 'member-0', state: 'crash-loop', lastFailure: { error: CRASH_LOOP_ERROR, task: null, offset: null } }],
      crashLoops: [{ member: 'member-0', reason: 'crash-loop', task: null, offset: null, error: CRASH_LOOP_ERROR, failures: 2 }],
    });
    const readyz = await fetch(`${url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({ ready: false, reasons: [`member-0 is not restarted: crash loop: failed 2 times outside any task: ${CRASH_LOOP_ERROR}`] });
    expect(sumOf(await (await fetch(`${url}/metrics`)).text(), 'eddy_crash_looping_members')).toBe(1);
    expect(splitStderr(runner.stderr()).logs).toContainEqual(expect.objectContaining({ level: 'error', member: 'member-0', msg: `crash loop: failed 2 times outside any task: ${CRASH_LOOP_ERROR}; not restarting it` }));
    // Unbounded, the runner goes on serving (alive, still not ready) until it is stopped.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/v1/stop`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(202);
    expect(await runner.exitCode, runner.stderr().slice(-2_000)).toBe(0);
  });
});
