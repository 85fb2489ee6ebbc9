/**
 * The runner's HTTP server through the real CLI: metrics agree with what was produced (counts known
 * from the generator, not from the engine), the trending view agrees with the committed topic, and
 * bad queries and unauthorised calls get clear errors.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTopics, readTopic, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { produceWatchEvents } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { TrendingRecordSchema, type TrendingRecord } from '../../jobs/content-popularity/trending-record.js';
import { startServingEddy } from '../cli/eddy-process.js';

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

    await waitFor('every record counted', async () => ((await (await fetch(`${url}/v1/status`)).json()) as { records: number }).records === good, 90_000);
    const status = (await (await fetch(`${url}/v1/status`)).json()) as { state: string; deadLettered: number; parallelism: number };
    expect(status).toMatchObject({ state: 'running', deadLettered: bad, parallelism: 1 });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(sumOf(metrics, 'eddy_source_records_total')).toBe(good);
    expect(sumOf(metrics, 'eddy_dead_letter_records_total')).toBe(bad);
    expect(sumOf(metrics, 'eddy_records_in_total', { operator: 'views-per-window' })).toBe(good);
    expect(sumOf(metrics, 'eddy_checkpoints_total', { outcome: 'completed' })).toBeGreaterThan(0);
    expect(sumOf(metrics, 'eddy_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(metrics).toMatch(/^eddy_consumer_lag_records\{job="content-popularity",partition="2"\} 0$/m);

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
});
