/**
 * One measured run of a bare Kafka client, in a process of its own so that its CPU time (every
 * thread: librdkafka's too) and peak RSS are the client's alone. It either consumes a topic from
 * the beginning (a fresh group, read_committed, batches) or produces watch events in transactions
 * of 10,000 records, the way Eddy's source and sink use a client, and does nothing else with the
 * records. Prints one JSON line: a {@link ClientMeasure}. `parse` consumes and also parses each
 * value as JSON and checks it against the watch-event schema: the least any engine must do with
 * the benchmark's input (the throughput benchmark's "ceiling").
 *
 *   node dist/bench/harness/client-run.js <kafkajs|confluent> <consume|parse|produce> <brokers> <topic> <events> [confluent package dir]
 */
import { randomUUID } from 'node:crypto';
import { loadConfluentClient } from '../../connectors/kafka/confluent-client.js';
import { kafkajs } from '../../connectors/kafka/kafkajs.js';
import { WatchEventGenerator, type GeneratedRecord } from '../../connectors/generator/watch-event-generator.js';
import { WatchEventSchema } from '../../jobs/shared/watch-event.js';

/** `confluent` is its KafkaJS-compatible API, `confluent-native` its node-rdkafka-style one. */
export const CLIENTS = ['kafkajs', 'confluent', 'confluent-native'] as const;
export type ClientName = (typeof CLIENTS)[number];
export const MODES = ['consume', 'parse', 'produce'] as const;
export type Mode = (typeof MODES)[number];

export interface ClientMeasure {
  records: number;
  valueBytes: number;
  /** `parse`: values that were not valid watch events. */
  invalid?: number;
  wallSeconds: number;
  /** user + system of this process, from after connecting to the last record. */
  cpuSeconds: number;
  peakRssBytes: number;
}

/** What each client is asked to do, through its own KafkaJS-style API. */
interface BareClient {
  /** Reads `topic` from the beginning until `n` records, each value through `each`; returns the bytes of their values. */
  consume(topic: string, n: number, onStart: () => void, each?: (value: Buffer | null) => void): Promise<number>;
  /** Writes `records` in transactions of `perTransaction`. */
  produce(topic: string, records: readonly GeneratedRecord[], perTransaction: number, onStart: () => void): Promise<void>;
}

/** The slice of the KafkaJS API both clients offer (kafkajs itself and Confluent's `KafkaJS` layer). */
interface KafkaJsLike {
  consumer(config: object): {
    connect(): Promise<void>;
    subscribe(s: object): Promise<void>;
    run(r: { eachBatchAutoResolve?: boolean; eachBatch: (p: { batch: { messages: { value: Buffer | null }[] } }) => Promise<void> }): Promise<void>;
    disconnect(): Promise<void>;
  };
  producer(config: object): {
    connect(): Promise<void>;
    transaction(): Promise<{ send(r: object): Promise<unknown>; commit(): Promise<void> }>;
    disconnect(): Promise<void>;
  };
}

function kafkaJsStyle(kafka: KafkaJsLike, consumerConfig: object, producerConfig: object, subscribe: object): BareClient {
  return {
    async consume(topic, n, onStart, each) {
      const consumer = kafka.consumer(consumerConfig);
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], ...subscribe });
      onStart();
      let records = 0;
      let bytes = 0;
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            bytes += m.value?.length ?? 0;
            each?.(m.value);
          }
          records += batch.messages.length;
          if (records >= n) done();
        },
      });
      await finished;
      await consumer.disconnect();
      return bytes;
    },
    async produce(topic, records, perTransaction, onStart) {
      const producer = kafka.producer(producerConfig);
      await producer.connect();
      onStart();
      for (let i = 0; i < records.length; i += perTransaction) {
        const txn = await producer.transaction();
        await txn.send({ topic, messages: records.slice(i, i + perTransaction).map((r) => ({ key: r.key, value: r.value })) });
        await txn.commit();
      }
      await producer.disconnect();
    },
  };
}

type Callback<T = void> = (err: Error | null | undefined, value: T) => void;
/** The slice of Confluent's node-rdkafka-style API used here. */
interface RdKafka {
  KafkaConsumer: new (config: object, topicConfig: object) => {
    connect(o: object, cb: Callback<unknown>): void;
    subscribe(topics: string[]): void;
    consume(n: number, cb: Callback<{ value: Buffer | null }[]>): void;
    disconnect(cb: Callback<unknown>): void;
  };
  Producer: new (config: object) => {
    connect(o: object, cb: Callback<unknown>): void;
    initTransactions(timeoutMs: number, cb: Callback<undefined>): void;
    beginTransaction(cb: Callback<undefined>): void;
    produce(topic: string, partition: null, value: Buffer, key: string | null): void;
    commitTransaction(timeoutMs: number, cb: Callback<undefined>): void;
    disconnect(cb: Callback<unknown>): void;
  };
}

const call = <T>(f: (cb: Callback<T>) => void): Promise<T> => new Promise((resolve, reject) => f((e, v) => (e ? reject(e) : resolve(v))));

function nativeStyle(rd: RdKafka, brokers: string[], groupId: string, transactionalId: string): BareClient {
  const common = { 'metadata.broker.list': brokers.join(','), 'client.id': 'bench-confluent-native' };
  return {
    async consume(topic, n, onStart, each) {
      const consumer = new rd.KafkaConsumer(
        { ...common, 'group.id': groupId, 'enable.auto.commit': false, 'isolation.level': 'read_committed', 'fetch.wait.max.ms': 500, 'max.partition.fetch.bytes': 1_048_576 },
        { 'auto.offset.reset': 'earliest' },
      );
      await call((cb) => consumer.connect({}, cb));
      consumer.subscribe([topic]);
      onStart();
      let records = 0;
      let bytes = 0;
      while (records < n) {
        const batch = await call<{ value: Buffer | null }[]>((cb) => consumer.consume(10_000, cb));
        for (const m of batch) {
          bytes += m.value?.length ?? 0;
          each?.(m.value);
        }
        records += batch.length;
      }
      await call((cb) => consumer.disconnect(cb));
      return bytes;
    },
    async produce(topic, records, perTransaction, onStart) {
      const producer = new rd.Producer({ ...common, 'transactional.id': transactionalId, 'enable.idempotence': true });
      await call((cb) => producer.connect({}, cb));
      await call<undefined>((cb) => producer.initTransactions(30_000, cb));
      onStart();
      for (let i = 0; i < records.length; i += perTransaction) {
        await call<undefined>((cb) => producer.beginTransaction(cb));
        for (const r of records.slice(i, i + perTransaction)) producer.produce(topic, null, r.value, r.key);
        await call<undefined>((cb) => producer.commitTransaction(30_000, cb));
      }
      await call((cb) => producer.disconnect(cb));
    },
  };
}

function client(name: ClientName, brokers: string[], confluentDir: string | undefined): BareClient {
  const groupId = `bench-clients-${randomUUID()}`;
  const transactionalId = `bench-clients-${randomUUID()}`;
  if (name === 'kafkajs') {
    const kafka = new kafkajs.Kafka({ brokers, clientId: 'bench-kafkajs', logLevel: kafkajs.logLevel.NOTHING }) as unknown as KafkaJsLike;
    // Eddy's source and sink settings (connectors/kafka/record-source.ts, sink.ts).
    return kafkaJsStyle(
      kafka,
      { groupId, readUncommitted: false, maxBytesPerPartition: 1_048_576, maxWaitTimeInMs: 500 },
      { transactionalId, idempotent: true, maxInFlightRequests: 1 },
      { fromBeginning: true },
    );
  }
  if (!confluentDir) throw new Error('confluent: pass the directory holding node_modules/@confluentinc/kafka-javascript');
  const confluent = loadConfluentClient<RdKafka & { KafkaJS: { Kafka: new (c: object) => KafkaJsLike } }>(confluentDir);
  if (name === 'confluent-native') return nativeStyle(confluent, brokers, groupId, transactionalId);
  const { KafkaJS } = confluent;
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers, clientId: 'bench-confluent', logLevel: 0 } });
  return kafkaJsStyle(
    kafka,
    // Batches as large as a fetch returns (its default is 32 records), like kafkajs'.
    { kafkaJS: { groupId, fromBeginning: true, autoCommit: false }, 'isolation.level': 'read_committed', 'js.consumer.max.batch.size': -1, 'max.partition.fetch.bytes': 1_048_576, 'fetch.wait.max.ms': 500 },
    { kafkaJS: { transactionalId, idempotent: true } },
    {},
  );
}

/** Runs one measurement in this process. */
export async function runClient(name: ClientName, mode: Mode, brokers: string[], topic: string, events: number, confluentDir?: string): Promise<ClientMeasure> {
  const c = client(name, brokers, confluentDir);
  // Made before the clock starts: the generator's cost is not the client's.
  const records = mode === 'produce'
    ? new WatchEventGenerator({ seed: 5, items: 100_000, zipf: 1.1, categories: ['movies', 'series', 'sports', 'news', 'kids'], startTime: 1_767_225_600_000, eventsPerSecond: 1_000, outOfOrderMs: 1_000, lateFraction: 0, badFraction: 0 }).nextBatch(events)
    : [];
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const onStart = (): void => {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  };
  let valueBytes = 0;
  let invalid = 0;
  const parse = (value: Buffer | null): void => {
    let json: unknown;
    try {
      json = JSON.parse(value?.toString() ?? '');
    } catch {
      invalid += 1;
      return;
    }
    if (!WatchEventSchema.safeParse(json).success) invalid += 1;
  };
  if (mode === 'consume' || mode === 'parse') valueBytes = await c.consume(topic, events, onStart, mode === 'parse' ? parse : undefined);
  else {
    await c.produce(topic, records, 10_000, onStart);
    valueBytes = records.reduce((a, r) => a + r.value.length, 0);
  }
  const cpu = process.cpuUsage(cpu0);
  const wallSeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  return { records: events, valueBytes, ...(mode === 'parse' ? { invalid } : {}), wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssBytes: Math.max(peakRss, process.memoryUsage.rss()) };
}

if (process.argv[1]?.endsWith('client-run.js')) {
  const [name, mode, brokers, topic, events, confluentDir] = process.argv.slice(2);
  runClient(name as ClientName, mode as Mode, brokers!.split(','), topic!, Number(events), confluentDir).then(
    (m) => {
      console.log(JSON.stringify(m));
      process.exit(0);
    },
    (e: Error) => {
      console.error(`client-run: ${e.stack ?? e.message}`);
      process.exit(1);
    },
  );
}
