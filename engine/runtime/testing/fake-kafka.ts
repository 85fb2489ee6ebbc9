/**
 * An in-memory Kafka for a task's unit tests (task-ports.ts): partitions of records that transactions
 * write as they go and commit or abort as a whole, read as a read_committed consumer reads them,
 * consumer groups' offsets committed with the transaction, and fencing by transactional id (a new
 * producer of an id makes the older one fail at its next send or commit). Stores are in memory:
 * every task that opens rebuilds from its changelog.
 */
import type { OutRecord, TransactionOffsets } from '../../../connectors/kafka/sink.js';
import type { SourceRecord } from '../../../connectors/kafka/record-source.js';
import { MemoryStateBackend } from '../../state/memory-backend.js';
import type { Output, PartitionLog, TaskPorts, TransactionalOutput } from '../task-ports.js';

interface Entry {
  record: SourceRecord<Buffer | null>;
  /** `marker`: a transaction's commit or abort marker, which takes an offset and is never read. */
  status: 'pending' | 'committed' | 'aborted' | 'marker';
  txn: object | undefined;
}

const bytes = (v: Buffer | string | null | undefined): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

/**
 * @example
 * const kafka = new FakeKafka();
 * const task = await Task.open(config, kafka.ports());
 * kafka.committed('out'); // what a read_committed consumer of `out` sees
 */
export class FakeKafka {
  readonly #partitions = new Map<string, Entry[]>();
  readonly #groups = new Map<string, bigint>();
  readonly #epochs = new Map<string, number>();

  /** Appends records outside any transaction (a producer of the input). */
  produce(topic: string, partition: number, records: readonly OutRecord[]): void {
    for (const r of records) this.#append(topic, partition, r, 'committed', undefined);
  }

  /** Committed records of a topic, partition by partition, in offset order. */
  committed(topic: string): (SourceRecord<Buffer | null> & { partition: number })[] {
    return [...this.#partitions].filter(([id]) => id.startsWith(`${topic}:`)).flatMap(([id, entries]) => {
      const partition = Number(id.slice(topic.length + 1));
      return entries.filter((e) => e.status === 'committed').map((e) => ({ ...e.record, partition }));
    });
  }

  /** Partition count a topic has had records on (its highest partition + 1). */
  partitionsOf(topic: string): number {
    return Math.max(0, ...[...this.#partitions.keys()].filter((id) => id.startsWith(`${topic}:`)).map((id) => Number(id.slice(topic.length + 1)) + 1));
  }

  ports(): TaskPorts {
    return {
      output: async (id) => this.#output(id),
      direct: async () => this.#direct(),
      partitions: this.#log(),
      openStore: async () => new MemoryStateBackend(),
      close: async () => undefined,
    };
  }

  #entries(topic: string, partition: number): Entry[] {
    const id = `${topic}:${partition}`;
    let entries = this.#partitions.get(id);
    if (!entries) this.#partitions.set(id, (entries = []));
    return entries;
  }

  #append(topic: string, partition: number, r: OutRecord, status: Entry['status'], txn: object | undefined): bigint {
    const entries = this.#entries(topic, partition);
    const offset = BigInt(entries.length);
    entries.push({ record: { key: bytes(r.key), value: bytes(r.value), raw: bytes(r.value), offset: String(offset), timestamp: Date.now(), headers: r.headers ?? {} }, status, txn });
    return offset;
  }

  /** Ends the pending entries `of` a transaction; as in Kafka, a marker follows them in each partition. */
  #end(of: (e: Entry) => boolean, status: 'committed' | 'aborted'): void {
    for (const [id, entries] of this.#partitions) {
      const ended = entries.filter((e) => e.status === 'pending' && of(e));
      for (const e of ended) e.status = status;
      if (ended.length > 0) {
        const [topic, partition] = [id.slice(0, id.lastIndexOf(':')), Number(id.slice(id.lastIndexOf(':') + 1))];
        this.#append(topic, partition, { key: null, value: null }, 'marker', undefined);
      }
    }
  }

  #log(): PartitionLog {
    // As read_committed: up to the first record of an open transaction.
    const stable = (topic: string, partition: number): Entry[] => {
      const entries = this.#entries(topic, partition);
      const open = entries.findIndex((e) => e.status === 'pending');
      return (open < 0 ? entries : entries.slice(0, open)).filter((e) => e.status === 'committed');
    };
    return {
      read: async (topic, partition, from, onRecords) => {
        const records = stable(topic, partition).map((e) => e.record).filter((r) => BigInt(r.offset) >= from);
        if (records.length > 0) await onRecords(records);
        return { records: records.length, end: BigInt(this.#entries(topic, partition).length) };
      },
      recordAt: async (topic, partition, offset) => stable(topic, partition).map((e) => e.record).find((r) => BigInt(r.offset) >= offset),
      end: async (topic, partition) => BigInt(this.#entries(topic, partition).length),
      committed: async (groupId, topic, partition) => this.#groups.get(`${groupId}/${topic}:${partition}`),
    };
  }

  #direct(): Output {
    return {
      send: async (topic, records) => records.forEach((r) => this.#append(topic, r.partition ?? 0, r, 'committed', undefined)),
      flush: async () => undefined,
      inTransaction: false,
      disconnect: async () => undefined,
    };
  }

  #output(transactionalId: string): TransactionalOutput {
    let epoch: number | undefined;
    let txn: object | undefined;
    const next = new Map<string, bigint>();
    const live = (): void => {
      if (epoch !== this.#epochs.get(transactionalId)) throw new Error(`producer ${transactionalId} was fenced by a newer one`);
    };
    const end = (status: 'committed' | 'aborted'): void => {
      this.#end((e) => e.txn === txn, status);
      txn = undefined;
    };
    return {
      get inTransaction() {
        return txn !== undefined;
      },
      begin: async () => {
        if (epoch === undefined) {
          // Initialising a transactional id fences older producers of it and aborts what they left open.
          epoch = (this.#epochs.get(transactionalId) ?? 0) + 1;
          this.#epochs.set(transactionalId, epoch);
          this.#end((e) => (e.txn as { id?: string }).id === transactionalId, 'aborted');
        }
        live();
        txn = { id: transactionalId };
      },
      send: async (topic, records) => {
        live();
        if (!txn) throw new Error('no open transaction');
        for (const r of records) {
          const partition = r.partition ?? 0;
          next.set(`${topic}:${partition}`, this.#append(topic, partition, r, 'pending', txn) + 1n);
        }
      },
      commit: async (offsets?: TransactionOffsets) => {
        live();
        for (const o of offsets?.offsets ?? []) this.#groups.set(`${offsets!.consumerGroupId}/${o.topic}:${o.partition}`, o.offset);
        end('committed');
      },
      abort: async () => {
        end('aborted');
      },
      flush: async () => undefined,
      nextOffset: (topic, partition) => next.get(`${topic}:${partition}`),
      disconnect: async () => undefined,
    };
  }
}
