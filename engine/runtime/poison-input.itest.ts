/**
 * The poison-input suite: one running job (content-popularity with a `process` stage and a sink that
 * throw on chosen records, testing/poison-job.ts) reads ordinary events with 17 kinds of bad record
 * among them. Every bad record must be in the dead-letter topic exactly once with its reason code,
 * no member may restart, and the rankings of the ordinary events must equal the naive reference.
 * An unreadable record of an internal topic stops the job with its position. Then a flood of 5,000
 * categories: outputs and metric series stay within --max-groups and the overall ranking is exact.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { encodeWatchEvent, type WatchEvent } from '../../jobs/shared/watch-event.js';
import { createKafka } from '../../connectors/kafka/config.js';
import { DLQ_HEADERS } from '../../connectors/kafka/dead-letter.js';
import { kafkajs } from '../../connectors/kafka/kafkajs.js';
import { createTopics, readTopic, testClient, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { POISON_CONTENT_ID, POISON_DEVICE } from '../../jobs/content-popularity/testing/poison-job.js';
import { expectRankings, generateWatchEvents, produceRecords } from '../../jobs/content-popularity/testing/trending-fixtures.js';
import { runEddy, startServingEddy } from '../cli/testing/eddy-process.js';

const POISON_JOB = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'jobs', 'content-popularity', 'testing', 'poison-job.js');
const POISON_FAIL_JOB = join(dirname(POISON_JOB), 'poison-job-fail.js');
const WINDOW = { size: 60_000, slide: 20_000, k: 5 };
const START = 1_763_800_000_000;
const PARTITIONS = 3;

/** One bad record: how it is sent and the reason code it must be dead-lettered with. */
interface Poison {
  kind: string;
  reason: 'decode' | 'schema' | 'size' | 'time' | 'user-code';
  key: string | null;
  value: Buffer | null;
  headers?: Record<string, Buffer>;
  operator?: string;
}

const event = (over: Partial<WatchEvent>, i: number): WatchEvent => ({
  eventId: `e-poison-${i}`, contentId: 'c-000001', category: 'movies', userId: 'u-1', region: 'IN-MH', device: 'tv', watchSeconds: 30, eventTime: START + 20_000 + i, ...over,
});
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

function poisons(): Poison[] {
  const bigJson = `{"eventId":"${'x'.repeat(3 * 1024 * 1024)}"}`;
  return [
    { kind: 'oversize', reason: 'size', key: 'bad-oversize', value: Buffer.from(bigJson) },
    { kind: 'huge-headers', reason: 'size', key: 'bad-huge-headers', value: encodeWatchEvent(event({}, 1)), headers: { padding: Buffer.alloc(1_500_000, 'h') } },
    { kind: 'max-safe-time', reason: 'time', key: 'bad-max-safe-time', value: json(event({ eventTime: Number.MAX_SAFE_INTEGER }, 2)) },
    { kind: 'years-ahead', reason: 'time', key: 'bad-years-ahead', value: json(event({ eventTime: 1_900_000_000_000 }, 3)) },
    { kind: 'year-275760', reason: 'time', key: 'bad-year-275760', value: json(event({ eventTime: 8_640_000_000_000_000 }, 4)) },
    { kind: 'negative-time', reason: 'time', key: 'bad-negative-time', value: json(event({ eventTime: -5 }, 5)) },
    { kind: 'fractional-time', reason: 'time', key: 'bad-fractional-time', value: json(event({ eventTime: START + 0.5 }, 6)) },
    { kind: 'nan-time', reason: 'schema', key: 'bad-nan-time', value: json({ ...event({}, 7), eventTime: 'NaN' }) },
    { kind: 'truncated-json', reason: 'decode', key: 'bad-truncated-json', value: encodeWatchEvent(event({}, 8)).subarray(0, 40) },
    { kind: 'wrong-types', reason: 'schema', key: 'bad-wrong-types', value: json({ ...event({}, 9), watchSeconds: '30' }) },
    { kind: 'missing-fields', reason: 'schema', key: 'bad-missing-fields', value: json({ eventId: 'e-1', eventTime: START }) },
    { kind: 'empty-value', reason: 'decode', key: 'bad-empty-value', value: Buffer.alloc(0) },
    { kind: 'null-value', reason: 'decode', key: 'bad-null-value', value: null },
    { kind: 'binary-garbage', reason: 'decode', key: 'bad-binary-garbage', value: Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x9f, 0x80, 0x01]) },
    { kind: 'not-an-object', reason: 'schema', key: null, value: json([1, 2, 3]) },
    { kind: 'process-throws', reason: 'user-code', operator: 'guard', key: POISON_CONTENT_ID, value: encodeWatchEvent(event({ contentId: POISON_CONTENT_ID }, 10)) },
    { kind: 'encode-throws', reason: 'user-code', operator: 'echo', key: 'c-000002', value: encodeWatchEvent(event({ contentId: 'c-000002', device: POISON_DEVICE }, 11)) },
  ];
}

const bad = poisons();

/** Sends records gzip-compressed (the broker takes a 3 MB record that compresses well), one partition each in turn. */
async function sendCompressed(topic: string, records: readonly Poison[]): Promise<void> {
  const producer = createKafka(testClient('eddy-itest-poison')).producer();
  await producer.connect();
  try {
    for (const [i, p] of records.entries()) {
      await producer.send({
        topic,
        compression: kafkajs.CompressionTypes.GZIP,
        messages: [{ key: p.key, value: p.value, partition: i % PARTITIONS, headers: { 'poison-kind': p.kind, ...p.headers } }],
      });
    }
  } finally {
    await producer.disconnect();
  }
}

function runArgs(job: string, input: string, output: string, extra: string[] = []): string[] {
  return [
    'run', job, '--brokers', inject('kafkaBrokers'), '--input-topic', input, '--output-topic', output,
    '--window', '1m', '--slide', '20s', '--top', String(WINDOW.k), '--out-of-orderness', '5s', '--idle-timeout', '0ms', '--metrics-port', '0',
    '--parallelism', '2', '--checkpoint-interval', '500ms', ...extra,
  ];
}
const bounded = (): string[] => ['--bounded', '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-poison-')), '--group-id', uniqueName('poison')];

describe('poison input', () => {
  it('dead-letters every bad record exactly once with its reason, restarts nothing, and ranks the rest exactly', { timeout: 300_000 }, async () => {
    const input = uniqueName('poison-in');
    const output = uniqueName('poison-out');
    await createTopics([{ name: input, partitions: PARTITIONS }]);
    const gen = generateWatchEvents(6_000, { seed: 41, categories: ['movies', 'series', 'news'] });
    // A valid event without a key is not bad input: it counts like any other.
    const keyless: Poison = { kind: 'null-key', reason: 'decode', key: null, value: encodeWatchEvent(event({ contentId: 'c-000003' }, 12)) };
    await produceRecords(input, gen.slice(0, 3_000));
    await sendCompressed(input, [...bad, keyless]);
    await produceRecords(input, gen.slice(3_000));

    const run = await runEddy(runArgs(POISON_JOB, input, output, bounded()));
    expect(run.code, run.stderr.slice(-3_000)).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { restarts: number; deadLettered: number };
    expect(summary.restarts, run.stderr.slice(-3_000)).toBe(0);
    expect(summary.deadLettered).toBe(bad.length);

    const letters = await readTopic(`${input}-dlq`, bad.length, 2_000);
    expect(letters).toHaveLength(bad.length);
    const got = new Map(letters.map((l) => [String(l.headers['poison-kind'] ?? l.key?.toString().replace(/^bad-/, '')), l]));
    for (const p of bad) {
      const l = got.get(p.kind);
      expect(l, `no dead letter for ${p.kind}`).toBeDefined();
      expect(String(l!.headers[DLQ_HEADERS.reason]), p.kind).toBe(p.reason);
      expect(String(l!.headers[DLQ_HEADERS.detail] ?? '').length, p.kind).toBeGreaterThan(0);
      if (p.operator) expect(String(l!.headers[DLQ_HEADERS.operator]), p.kind).toBe(p.operator);
    }
    expect(String(got.get('oversize')!.headers[DLQ_HEADERS.truncated])).toMatch(/value/);
    expect(Number(String(got.get('oversize')!.headers[DLQ_HEADERS.originalSize]))).toBeGreaterThan(3 * 1024 * 1024);

    // The reference ranks the generated events, the event whose echo failed and the keyless one;
    // not the event the process stage threw on.
    const decode = (b: Buffer | null): WatchEvent => JSON.parse(b!.toString()) as WatchEvent;
    const good = [...gen.map((r) => decode(r.value)), decode(bad.find((p) => p.kind === 'encode-throws')!.value), decode(keyless.value)];
    await expectRankings(good, output, WINDOW);
  });

  it("stops the job at the first record a function keeps throwing on, under the job's 'fail' policy", { timeout: 180_000 }, async () => {
    const input = uniqueName('fail-in');
    await createTopics([{ name: input, partitions: 2 }]);
    await produceRecords(input, generateWatchEvents(500, { seed: 53 }));
    const poison = bad.find((p) => p.kind === 'process-throws')!;
    await produceRecords(input, [{ key: poison.key, value: poison.value!, kind: 'bad' }]);
    const run = await runEddy(runArgs(POISON_FAIL_JOB, input, uniqueName('fail-out'), bounded()));
    expect(run.code, run.stderr.slice(-3_000)).toBe(1);
    expect(run.stderr).toMatch(/eddy run: member-\d: fatal failure at watch-events:\d, [^:]*: node 'guard' threw on a record \(input offset \d+\) 2 times and the job's policy is 'fail': c-poison is not welcome/);
    expect(run.stderr).not.toMatch(/restart 1/);
    expect(await readTopic(`${input}-dlq`, 0, 500)).toHaveLength(0);
  });

  it('stops the job, naming topic, partition and offset, on a record of its internal partials topic that cannot be read', { timeout: 180_000 }, async () => {
    const input = uniqueName('internal-in');
    const groupId = uniqueName('internal');
    await createTopics([{ name: input, partitions: 2 }, { name: `${groupId}-top-k-partials`, partitions: 1 }]);
    await produceRecords(input, generateWatchEvents(500, { seed: 47 }));
    await produceRecords(`${groupId}-top-k-partials`, [{ key: '0', value: Buffer.from('{"type":"partial","topK":'), kind: 'bad' }]);
    const begun = Date.now();
    const run = await runEddy(runArgs('content-popularity', input, uniqueName('internal-out'), ['--bounded', '--group-id', groupId, '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-internal-'))]));
    expect(run.code, run.stderr.slice(-3_000)).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`internal topic ${groupId}-top-k-partials, partition 0, offset 0 holds a record that cannot be read \\(decode: json: `));
    // Stopped at once, not restarted over and over.
    expect(run.stderr).not.toMatch(/restart 2/);
    expect(Date.now() - begun).toBeLessThan(60_000);
  });

  it('keeps a flood of 5,000 categories within --max-groups and the overall ranking exact', { timeout: 300_000 }, async () => {
    const input = uniqueName('flood-in');
    const output = uniqueName('flood-out');
    await createTopics([{ name: input, partitions: PARTITIONS }]);
    const ordinary = generateWatchEvents(3_000, { seed: 43, categories: ['movies', 'series', 'news'] }).map((r) => JSON.parse(r.value.toString()) as WatchEvent);
    const flood = Array.from({ length: 5_000 }, (_, i) => event({ contentId: `c-flood-${i}`, category: `cat-${String(i).padStart(4, '0')}` }, i));
    const all = [...ordinary.slice(0, 1_500), ...flood, ...ordinary.slice(1_500)];
    await produceRecords(input, all.map((e) => ({ key: e.contentId, value: encodeWatchEvent(e), kind: 'good' as const })));
    const groupId = uniqueName('flood');
    const run = await runEddy(runArgs('content-popularity', input, output, ['--bounded', '--group-id', groupId, '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-flood-'))]));
    expect(run.code, run.stderr.slice(-3_000)).toBe(0);
    await expectRankings(all, output, { ...WINDOW, maxGroups: 1_000 });

    // The metric series: a runner of the same (finished) group serves the trending view of that
    // output, and its gauge, from the topic's start.
    const serving = startServingEddy(runArgs('content-popularity', input, output, ['--group-id', groupId, '--state-dir', mkdtempSync(join(tmpdir(), 'eddy-flood-'))]));
    try {
      const url = await serving.url;
      const categories = async (): Promise<number> => Object.keys(((await (await fetch(`${url}/v1/trending`)).json()) as { categories: object }).categories).length;
      await waitFor('the trending view to hold the capped categories', async () => (await categories()) >= 1_000, 60_000);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await categories()).toBe(1_000);
      const series = (await (await fetch(`${url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('eddy_trending_views{'));
      const seriesCategories = new Set(series.map((l) => /category="([^"]*)"/.exec(l)![1]));
      expect(seriesCategories.size).toBe(1_000);
      expect(seriesCategories.has('all')).toBe(true);
      expect(series.length).toBeLessThanOrEqual(1_000 * WINDOW.k);
    } finally {
      serving.kill();
      await serving.exitCode;
    }
  });
});
