import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { filterAbortedMessages, type AbortedTransaction, type FetchedRecord } from './aborted-records.js';
import { ABORTED_FILTER_MODULE_PATH } from './kafkajs.js';

const require = createRequire(import.meta.url);
type Rec = FetchedRecord & { committed: boolean };

/** kafkajs' own filter, compiled from its file (the require cache holds ours under its path). */
function kafkajsFilter(): typeof filterAbortedMessages {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', readFileSync(ABORTED_FILTER_MODULE_PATH, 'utf8'))(module, module.exports, createRequire(ABORTED_FILTER_MODULE_PATH));
  return module.exports as typeof filterAbortedMessages;
}

const marker = (offset: number, producerId: string, abort: boolean): Rec => ({
  offset: String(offset), key: Buffer.from([0, 0, 0, abort ? 0 : 1]), isControlRecord: true, batchContext: { producerId, inTransaction: true }, committed: true,
});
const record = (offset: number, producerId: string, committed: boolean): Rec => ({ offset: String(offset), key: null, batchContext: { producerId, inTransaction: true }, committed });

/**
 * A partition several transactional producers write at once, each transaction committed or aborted
 * at random; and, for a fetch from `from`, what the broker lists as aborted transactions (those with
 * a record at or after `from`, with their first offset).
 */
function randomLog(seed: number): { log: Rec[]; aborted: (from: number) => AbortedTransaction[] } {
  let s = seed;
  const rand = (n: number): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
  const open = new Map<string, { first: number; commit: boolean }>();
  const txns: { producerId: string; first: number; last: number; commit: boolean }[] = [];
  const log: Rec[] = [];
  for (let offset = 0; offset < 400; offset += 1) {
    const producerId = String(rand(5));
    const txn = open.get(producerId);
    if (txn && rand(8) === 0) {
      log.push(marker(offset, producerId, !txn.commit));
      txns.push({ producerId, first: txn.first, last: offset, commit: txn.commit });
      open.delete(producerId);
      continue;
    }
    const t = txn ?? { first: offset, commit: rand(3) !== 0 };
    open.set(producerId, t);
    log.push(record(offset, producerId, t.commit));
  }
  // Every transaction ends: a fetch reads only up to the last stable offset.
  for (const [producerId, t] of open) {
    txns.push({ producerId, first: t.first, last: log.length, commit: t.commit });
    log.push(marker(log.length, producerId, !t.commit));
  }
  return { log, aborted: (from) => txns.filter((t) => !t.commit && t.last >= from).map((t) => ({ producerId: t.producerId, firstOffset: String(t.first) })) };
}

describe('filterAbortedMessages', () => {
  it('drops the records of every aborted transaction that began before the fetch, which kafkajs lets through', () => {
    // Producers A and B were both inside aborted transactions when the fetch starts at 200 (A's began
    // first, B writes first); C commits.
    const messages = [record(200, 'B', false), record(201, 'A', false), record(202, 'C', true), marker(203, 'A', true), marker(204, 'B', true), record(205, 'B', true)];
    const abortedTransactions = [{ producerId: 'A', firstOffset: '100' }, { producerId: 'B', firstOffset: '150' }];
    const kept = (f: typeof filterAbortedMessages): string[] => f({ messages, abortedTransactions }).filter((m) => !m.isControlRecord).map((m) => m.offset);
    expect(kept(filterAbortedMessages)).toEqual(['202', '205']);
    expect(kept(kafkajsFilter())).toContain('200');
  });

  it('hands over exactly the committed records of random interleavings, from any fetch offset', () => {
    const original = kafkajsFilter();
    let originalWrong = 0;
    for (let seed = 1; seed <= 200; seed += 1) {
      const { log, aborted } = randomLog(seed);
      const from = seed % 300;
      const fetched = log.slice(from);
      const offsets = (f: typeof filterAbortedMessages): string[] => f({ messages: fetched, abortedTransactions: aborted(from) }).filter((m) => !m.isControlRecord).map((m) => m.offset);
      const want = fetched.filter((m) => !m.isControlRecord && m.committed).map((m) => m.offset);
      expect(offsets(filterAbortedMessages), `seed ${seed}`).toEqual(want);
      if (JSON.stringify(offsets(original)) !== JSON.stringify(want)) originalWrong += 1;
    }
    // The streams are hard enough: kafkajs' own filter gets some of them wrong.
    expect(originalWrong).toBeGreaterThan(0);
  });

  it("is the filter kafkajs' consumer loaded", () => {
    const filter = require.cache[ABORTED_FILTER_MODULE_PATH];
    expect(filter?.exports).toBe(filterAbortedMessages);
    expect(require.cache[require.resolve('kafkajs/src/consumer/batch.js')]?.children).toContain(filter);
  });
});
