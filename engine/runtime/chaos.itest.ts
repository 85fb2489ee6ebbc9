/**
 * Chaos: the runner (`eddy run`, a child process with two member threads) is killed with SIGKILL at
 * random moments, again and again, and restarted each time with the same state folder; at the end
 * the `trending` topic, read with read_committed, equals the naive reference exactly: no window
 * missing, none duplicated, every count right. Dead letters are there exactly once too.
 * EDDY_CHAOS_KILLS sets the number of kills (default 10); EDDY_CHAOS_SEED the randomness.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { WatchEventGenerator } from '../../connectors/generator/watch-event-generator.js';
import { WatchEventSchema, type WatchEvent } from '../../connectors/generator/watch-event.js';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { bytesSerde } from '../../connectors/kafka/serde.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { KafkaSource, type SourceRecord } from '../../connectors/kafka/source.js';
import { createTopics, testClient, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { TrendingRecordSchema } from '../../jobs/content-popularity/trending-record.js';
import { referenceWindowTopK, type RefResult } from '../testing/reference/window-top-k-reference.js';

const eddy = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'engine', 'cli', 'eddy.js');
const KILLS = Number(process.env.EDDY_CHAOS_KILLS ?? 10);
let seed = Number(process.env.EDDY_CHAOS_SEED ?? 7);
const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

async function readAll(topic: string, n: number): Promise<SourceRecord<Buffer>[]> {
  const out: SourceRecord<Buffer>[] = [];
  const source = new KafkaSource(testClient(), { groupId: uniqueName('reader'), topics: [topic], maxWaitTimeMs: 100 }, bytesSerde, { write: async () => undefined });
  await source.start(async (b) => void out.push(...b.records));
  try {
    await waitFor(`${n} records on ${topic}`, () => out.length >= n, 60_000);
    await new Promise((r) => setTimeout(r, 1_500));
  } finally {
    await source.stop();
  }
  return out;
}

describe('exactly-once under kill -9', () => {
  it(`survives ${KILLS} SIGKILLs of the runner with exact output`, async () => {
    const input = uniqueName('chaos-in');
    const output = uniqueName('chaos-out');
    await createTopics([{ name: input, partitions: 4 }]);
    const gen = new WatchEventGenerator({
      seed: 5, items: 500, zipf: 1.1, categories: ['movies', 'series', 'news'], startTime: 1_763_800_000_000, eventsPerSecond: 100,
      outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0.005,
    });
    const produced = gen.nextBatch(320_000);
    const sink = new KafkaSink(testClient());
    await sink.connect();
    for (let i = 0; i < produced.length; i += 10_000) await sink.send(input, produced.slice(i, i + 10_000));
    await sink.disconnect();

    const stateDir = mkdtempSync(join(tmpdir(), 'eddy-chaos-'));
    const args = [
      eddy, 'run', 'content-popularity', '--brokers', inject('kafkaBrokers'), '--input-topic', input, '--output-topic', output,
      '--window', '1m', '--slide', '20s', '--top', '5', '--out-of-orderness', '5s', '--idle-timeout', '0ms', '--bounded',
      '--parallelism', '2', '--state-dir', stateDir, '--group-id', uniqueName('chaos'), '--checkpoint-interval', '250ms', '--session-timeout', '2s',
    ];
    const runOnce = (killAfterMs: number | undefined): Promise<{ code: number | null; signal: string | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stderr });
        });
      });

    let kills = 0;
    let finishedEarly = false;
    while (kills < KILLS) {
      const r = await runOnce(1_500 + Math.floor(random() * 4_500));
      if (r.signal === 'SIGKILL') kills += 1;
      else {
        expect(r.code, r.stderr).toBe(0);
        finishedEarly = true;
        break;
      }
    }
    // The killed runs made progress that later runs resumed from (else this proves nothing).
    const admin = new KafkaAdmin(testClient());
    await admin.connect();
    const resumedFrom = [...(await admin.committedOffsets(args[args.indexOf('--group-id') + 1]!, input)).values()].reduce((n, o) => n + (o > 0n ? Number(o) : 0), 0);
    await admin.disconnect();
    expect(resumedFrom).toBeGreaterThan(0);
    if (!finishedEarly) {
      expect(resumedFrom).toBeLessThan(produced.length);
      const last = await runOnce(undefined);
      expect(last.code, last.stderr).toBe(0);
    }
    expect(kills, 'the job finished before it could be killed often enough: give it more input').toBe(KILLS);

    const good = produced.filter((r) => r.kind === 'good').map((r) => WatchEventSchema.parse(JSON.parse(r.value.toString())) as WatchEvent);
    const categoryOf = new Map(good.map((e) => [e.contentId, e.category]));
    const expected = referenceWindowTopK([{ kind: 'records', records: good.map((e) => ({ key: e.contentId, ts: e.eventTime, value: e.watchSeconds })) }], {
      window: { kind: 'sliding', size: 60_000, slide: 20_000 }, allowedLateness: 0, k: 5, groupsOf: (k) => [categoryOf.get(k)!, 'all'],
    });
    const got: RefResult[] = (await readAll(output, expected.results.length)).map((r) => {
      const t = TrendingRecordSchema.parse(JSON.parse(r.value.toString()));
      return { windowStart: t.windowStart, windowEnd: t.windowEnd, group: t.category, entries: t.rankings.map((e) => ({ key: e.contentId, count: e.views, sum: e.watchSeconds })) };
    });
    const order = (a: RefResult, b: RefResult): number => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0);
    expect(got.length).toBe(expected.results.length);
    expect(got.sort(order)).toEqual([...expected.results].sort(order));
    const bad = produced.length - good.length;
    expect(await readAll(`${input}-dlq`, bad)).toHaveLength(bad);
  }, 600_000);
});
