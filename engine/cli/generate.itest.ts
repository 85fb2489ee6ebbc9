/**
 * `eddy generate` through its real entry point (dist/engine/cli/eddy.js, built by `npm test`), and
 * interoperability with an independent client: Apache Kafka's Java client.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { WatchEventSchema } from '../../jobs/shared/watch-event.js';
import type { DeadLetterWriter } from '../../connectors/kafka/dead-letter.js';
import { jsonSerde } from '../api/serde.js';
import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import { type SourceRecord } from '../../connectors/kafka/record-source.js';
import { createTopics, readTopic, testClient, uniqueName, waitFor } from '../../connectors/kafka/testing/fixtures.js';
import { brokerPaths } from '../../deploy/local/local-broker.js';
import { runEddy } from './testing/eddy-process.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const interop = join(root, 'connectors', 'kafka', 'testing', 'KafkaInterop.java');


const failOnDeadLetter: DeadLetterWriter = {
  write: async (r) => {
    if (r.length > 0) throw new Error(`unexpected dead letters: ${r[0]!.reason} (${r[0]!.detail})`);
  },
};

const brokers = (): string => inject('kafkaBrokers');
const startTime = '1763800000000';

describe('eddy generate', () => {
  it('is deterministic per seed', async () => {
    const [a, b, c] = [uniqueName('gen-a'), uniqueName('gen-b'), uniqueName('gen-c')];
    const common = ['--brokers', brokers(), '--count', '3000', '--partitions', '3', '--start-time', startTime, '--bad-fraction', '0.01', '--late-fraction', '0.01'];
    const runs = await Promise.all([
      runEddy(['generate', '--topic', a, '--seed', '42', ...common]),
      runEddy(['generate', '--topic', b, '--seed', '42', ...common]),
      runEddy(['generate', '--topic', c, '--seed', '43', ...common]),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(runs[0]!.stdout) as { produced: number; bad: number; late: number };
    expect(summary.produced).toBe(3000);
    const [ra, rb, rc] = await Promise.all([readTopic(a, 3000), readTopic(b, 3000), readTopic(c, 3000)]);
    const canon = (rs: SourceRecord<Buffer>[]): string[] => rs.map((r) => `${r.key?.toString('hex')}:${r.value.toString('hex')}`).sort();
    expect(ra).toHaveLength(3000);
    expect(canon(ra)).toEqual(canon(rb));
    expect(canon(ra)).not.toEqual(canon(rc));
  });

  it('holds a paced rate', async () => {
    const topic = uniqueName('gen-rate');
    const begun = Date.now();
    const r = await runEddy(['generate', '--brokers', brokers(), '--topic', topic, '--rate', '600/s', '--duration', '10s', '--partitions', '2']);
    const wall = Date.now() - begun;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { produced: number; elapsedMs: number };
    expect(summary.produced).toBe(6000);
    // The schedule is absolute: 6000 events are due at 10 s; the run ends within a tick or two of it.
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(9_900);
    expect(summary.elapsedMs).toBeLessThan(10_300);
    expect(wall).toBeLessThan(20_000);
    // Broker-side check: record timestamps (set when produced) spread evenly over the 10 s.
    const records = await readTopic(topic, 6000);
    const times = records.map((x) => x.timestamp).sort((x, y) => x - y);
    const t0 = times[0]!;
    const perSecond = new Array<number>(10).fill(0);
    for (const t of times) perSecond[Math.min(9, Math.floor((t - t0) / 1000))]! += 1;
    for (const n of perSecond.slice(0, 9)) expect(Math.abs(n - 600)).toBeLessThan(60);
  });

  it('rejects bad flags with a one-line error that names the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['generate', '--rate', 'fast'], /--rate: expected a positive rate/],
      [['generate', '--count=-3'], /--count: Too small/],
      [['generate', '--count', '-3'], /Option '--count' argument is ambiguous/],
      [['generate', '--zipf', 'x'], /--zipf: /],
      [['generate', '--count', '5', '--duration', '1s'], /--duration: give --count or --duration, not both/],
      [['generate', '--bogus', '1'], /Unknown option '--bogus'/],
      [['generate', '-D', 'kafka.sasl.mechanism=nope'], /kafka\.sasl/],
    ];
    for (const [args, message] of cases) {
      const r = await runEddy(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('interoperability with the Apache Kafka Java client', () => {
  const classpath = join(brokerPaths().lib, '*');
  const java = (args: string[], input?: string): { status: number | null; stdout: string; stderr: string } =>
    spawnSync('java', ['-cp', classpath, interop, ...args], { input, encoding: 'utf8', timeout: 120_000 });

  it('reads what eddy generate wrote', async () => {
    const topic = uniqueName('interop-gen');
    const r = await runEddy(['generate', '--brokers', brokers(), '--topic', topic, '--count', '500', '--seed', '5', '--partitions', '2']);
    expect(r.code, r.stderr).toBe(0);
    const out = java(['consume', brokers(), topic, '500']);
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(500);
    for (const line of lines) {
      const [, , key, value] = line.split('\t');
      const event = WatchEventSchema.parse(JSON.parse(value!));
      expect(key).toBe(event.contentId);
    }
  });

  it("is read by Eddy's source", async () => {
    const topic = uniqueName('interop-java');
    await createTopics([{ name: topic, partitions: 2 }]);
    const events = Array.from({ length: 100 }, (_, i) => ({
      eventId: `e-${i}`, contentId: `c-${String(i % 7).padStart(6, '0')}`, category: 'news', userId: `u-${i}`,
      region: 'IN-MH', device: 'tv', watchSeconds: i, eventTime: 1763800000000 + i,
    }));
    const produced = java(['produce', brokers(), topic], events.map((e) => `${e.contentId}\t${JSON.stringify(e)}`).join('\n') + '\n');
    expect(produced.status, produced.stderr).toBe(0);
    expect(produced.stdout.trim()).toBe('100');

    const got: SourceRecord<unknown>[] = [];
    const source = new KafkaSource(testClient(), { groupId: uniqueName('g'), topics: [topic], maxWaitTimeMs: 100 }, jsonSerde(WatchEventSchema), failOnDeadLetter);
    await source.start(async (b) => void got.push(...b.records));
    try {
      await waitFor('100 events', () => got.length >= 100);
    } finally {
      await source.stop();
    }
    expect(got.map((r) => (r.value as { eventId: string }).eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
    for (const r of got) expect(r.key?.toString()).toBe((r.value as { contentId: string }).contentId);
  });
});
