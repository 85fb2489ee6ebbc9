/**
 * A task on an in-memory Kafka (testing/fake-kafka.ts): outputs, exchange records, state (through
 * the changelog) and the input offset commit together or not at all; a task that dies before its
 * commit leaves nothing visible, its successor fences it and resumes where the committed state is;
 * records keyed in one stage reach the task of the next that owns their key, with the watermark.
 * The outputs are checked against a naive count per key and window.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { SourceRecord } from '../../connectors/kafka/record-source.js';
import { count } from '../aggregate/aggregate-function.js';
import { JobBuilder, type BuiltJob } from '../api/job-builder.js';
import { jsonSerde } from '../api/serde.js';
import { tumbling } from '../windows/window-spec.js';
import { exchangeSerde, type ExchangeRecord } from './exchange-record.js';
import { layoutStages, type StageLayout } from './job-topics.js';
import { RocksDbStateBackend } from '../state/rocksdb-backend.js';
import { Task } from './task.js';
import type { TaskPorts } from './task-ports.js';
import type { TaskConfig } from './task-config.js';
import { FakeKafka } from './testing/fake-kafka.js';
import { quietLogger } from '../log/testing/log-capture.js';

type View = { k: string; t: number };
const WINDOW = 10;

function job(partitioning: 'input' | 'repartition'): BuiltJob {
  const b = new JobBuilder('views');
  b.source<View>('in', { topic: 'in', serde: jsonSerde(z.object({ k: z.string(), t: z.number() })), timestamp: (v) => v.t })
    .keyBy('by-k', (v) => v.k, { partitioning })
    .window(tumbling(WINDOW))
    .aggregate('n', count())
    .sink('out', { topic: 'out', encode: (r) => ({ key: r.key, value: JSON.stringify({ k: r.key, end: r.windowEnd, n: r.value }) }) });
  return b.build();
}

const config = (built: BuiltJob, stage: StageLayout, partition: number): TaskConfig => ({
  job: built, stage, partition, deadLetterMaxBytes: 1 << 20, stateDir: '/nowhere', stateBackend: 'memory',
  transactionalId: `g-${stage.stage.id}-${partition}`, logger: quietLogger(), limits: { maxFutureSkewMs: 0, maxGroups: 1_000 },
});

const views: View[] = Array.from({ length: 60 }, (_, i) => ({ k: `k${i % 7}`, t: i * 3 }));
const asInput = (vs: readonly View[], from = 0): SourceRecord<View>[] =>
  vs.map((v, i) => ({ key: Buffer.from(v.k), value: v, raw: Buffer.from(JSON.stringify(v)), offset: String(from + i), timestamp: v.t, headers: {} }));

/** The naive count per key and window of every view, as `k@end=n`. */
const reference = (vs: readonly View[]): string[] => {
  const n = new Map<string, number>();
  for (const v of vs) n.set(`${v.k}@${Math.floor(v.t / WINDOW) * WINDOW + WINDOW}`, (n.get(`${v.k}@${Math.floor(v.t / WINDOW) * WINDOW + WINDOW}`) ?? 0) + 1);
  return [...n].map(([id, c]) => `${id}=${c}`).sort();
};
const outputs = (kafka: FakeKafka): string[] =>
  kafka.committed('out').map((r) => JSON.parse(r.value!.toString()) as { k: string; end: number; n: number }).map((o) => `${o.k}@${o.end}=${o.n}`).sort();

/** Every view in one input partition, and a task that has processed and committed the first 30 of them. */
async function firstThirtyCommitted(): Promise<{ kafka: FakeKafka; open: () => Promise<Task>; first: Task; committed: unknown }> {
  const kafka = new FakeKafka();
  const built = job('input');
  const [stage] = layoutStages(built.graph, 'g', new Map([['in', 1]]));
  kafka.produce('in', 0, views.map((v) => ({ key: v.k, value: JSON.stringify(v) })));
  const open = (): Promise<Task> => Task.open(config(built, stage!, 0), kafka.ports());
  const first = await open();
  await first.processRecords(asInput(views.slice(0, 30)));
  return { kafka, open, first, committed: await first.commit(30n) };
}

describe('a task on an in-memory Kafka', () => {
  it('commits outputs, state and offset together; its successor fences a dead one and finishes exactly once', async () => {
    const { kafka, open, first, committed } = await firstThirtyCommitted();
    expect(committed).toBeDefined();
    const committedFirst = outputs(kafka);
    // Windows the watermark closed are out, with their state deleted and the offset in one commit.
    expect(committedFirst.length).toBeGreaterThan(0);
    await first.processRecords(asInput(views.slice(30, 45), 30));

    // The member dies before committing: a new owner fences it and resumes at the committed offset.
    const second = await open();
    expect(second.resumeOffset).toBe(30n);
    await expect(first.commit(45n)).rejects.toThrow(/fenced/);
    expect(outputs(kafka)).toEqual(committedFirst);
    await second.processRecords(asInput(views.slice(30), 30));
    await second.end();
    await second.commit(60n);
    expect(outputs(kafka)).toEqual(reference(views));
  });

  it('after a restore, stays due for a commit until one reaches the input its partition held at the open (a partial one at the interval does not count)', async () => {
    const { open } = await firstThirtyCommitted();
    // Opened again with 60 records in the partition, 30 of them committed.
    const second = await open();
    expect(second.commitDue).toBe(true);
    await second.processRecords(asInput(views.slice(30, 40), 30));
    await second.commit(40n);
    expect(second.commitDue).toBe(true);
    await second.processRecords(asInput(views.slice(40), 40));
    await second.commit(60n);
    expect(second.commitDue).toBe(false);
  });

  it('sends keyed records to the task of the next stage owning their key, with watermark markers: one count per key and window', async () => {
    const kafka = new FakeKafka();
    const built = job('repartition');
    const stages = layoutStages(built.graph, 'g', new Map([['in', 2]]));
    const [source, keyed] = stages as [StageLayout, StageLayout];
    expect(keyed.producers).toEqual(['in:0', 'in:1']);
    // Two input partitions, each with its share of every key: only a repartition counts each key once.
    for (const p of [0, 1]) {
      kafka.produce('in', p, views.filter((_, i) => i % 2 === p).map((v) => ({ key: v.k, value: JSON.stringify(v) })));
      const t = await Task.open(config(built, source, p), kafka.ports());
      await t.processRecords(asInput(views.filter((_, i) => i % 2 === p)));
      await t.end();
      await t.commit(30n);
    }
    const topic = keyed.topic;
    expect(topic).toBe('g-by-k-repartition');
    for (let p = 0; p < keyed.partitions; p += 1) {
      const t = await Task.open(config(built, keyed, p), kafka.ports());
      const records = kafka.committed(topic).filter((r) => r.partition === p).map((r) => {
        const decoded = exchangeSerde.decode(r.value);
        if (!decoded.ok) throw new Error(decoded.detail);
        return { ...r, value: decoded.value } satisfies SourceRecord<ExchangeRecord>;
      });
      // Every partition heard both producers end.
      expect(records.filter((r) => r.value.type === 'watermark' && r.value.watermark === 'end').map((r) => (r.value as { from: string }).from).sort()).toEqual(['in:0', 'in:1']);
      await t.processExchange(records);
      await t.commit(BigInt(records.length));
    }
    expect(outputs(kafka)).toEqual(reference(views));
  });

  it('closes its RocksDB store and producer again when opening fails (the broker gone mid-fence or mid-recovery), so a restart can open the folder', async () => {
    const built = job('input');
    const [stage] = layoutStages(built.graph, 'g', new Map([['in', 1]]));
    const dir = mkdtempSync(join(tmpdir(), 'eddy-task-open-'));
    try {
      for (const failing of ['end', 'read'] as const) {
        const kafka = new FakeKafka();
        kafka.produce('in', 0, views.map((v) => ({ key: v.k, value: JSON.stringify(v) })));
        const real = kafka.ports();
        let disconnected = 0;
        const ports: TaskPorts = {
          ...real,
          output: async (id) => {
            const out = await real.output(id);
            return Object.assign(Object.create(out) as typeof out, { disconnect: async () => void (disconnected += 1) });
          },
          partitions: { ...real.partitions, [failing]: async () => Promise.reject(new Error('broker gone')) },
          openStore: async () => RocksDbStateBackend.open(join(dir, `${stage!.stage.id}-0`)),
        };
        // A changelog record makes recovery read (the fence reads the ends first).
        kafka.produce(stage!.changelog, 0, [{ key: 'x', value: 'y' }]);
        await expect(Task.open({ ...config(built, stage!, 0), stateBackend: 'rocksdb', stateDir: dir }, ports)).rejects.toThrow(/broker gone/);
        expect(disconnected, failing).toBe(1);
        // Left open, the folder would stay locked for this whole process ("lock hold by current process").
        const again = await RocksDbStateBackend.open(join(dir, `${stage!.stage.id}-0`));
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reopened on its kept RocksDB state after a crash, reads no changelog (its store is as far as the changelog) and finishes exactly once', async () => {
    const built = job('input');
    const [stage] = layoutStages(built.graph, 'g', new Map([['in', 1]]));
    const dir = mkdtempSync(join(tmpdir(), 'eddy-task-kept-'));
    try {
      const kafka = new FakeKafka();
      kafka.produce('in', 0, views.map((v) => ({ key: v.k, value: JSON.stringify(v) })));
      const real = kafka.ports();
      let reads = 0;
      const ports: TaskPorts = {
        ...real,
        partitions: { ...real.partitions, read: async (...args) => ((reads += 1), real.partitions.read(...args)) },
        openStore: async () => RocksDbStateBackend.open(join(dir, `${stage!.stage.id}-0`)),
      };
      const rocks = { ...config(built, stage!, 0), stateBackend: 'rocksdb' as const, stateDir: dir };
      const first = await Task.open(rocks, ports);
      await first.processRecords(asInput(views.slice(0, 30)));
      await first.commit(30n);
      // Dies with uncommitted work: its store closes (as a killed process's lock goes), nothing else.
      await first.processRecords(asInput(views.slice(30, 40), 30));
      await first.closeState();
      reads = 0;

      const second = await Task.open(rocks, ports);
      expect(reads).toBe(0);
      expect(second.resumeOffset).toBe(30n);
      await second.processRecords(asInput(views.slice(30), 30));
      await second.end();
      await second.commit(60n);
      await second.close();
      expect(outputs(kafka)).toEqual(reference(views));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

