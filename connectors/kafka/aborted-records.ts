/**
 * Which fetched records a read_committed consumer hands over: those not written in an aborted
 * transaction. kafkajs decides this in `filterAbortedMessages`, which takes at most one aborted
 * transaction off the fetch response's list per record it looks at. When several aborted
 * transactions began before a record (a fetch that starts inside them, as after a crash that aborted
 * many tasks' transactions at once on one partition), the later ones are taken too late and their
 * records are handed over as if committed: an exchange topic read this way counted records twice.
 * This version takes every aborted transaction that began at or before the record, as Java's
 * consumer does (its Fetcher keeps them in a queue by first offset), and is put in kafkajs' place by
 * kafkajs.ts.
 */

/** A record as kafkajs decodes it, as far as this decision goes. */
export interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

/** An entry of a fetch response's aborted-transactions list. */
export interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

/** A control record's key is a version (int16) and a type (int16): 0 aborts, 1 commits. */
function isAbortMarker(r: FetchedRecord): boolean {
  return r.key !== null && r.key.length >= 4 && r.key.readInt16BE(2) === 0;
}

/**
 * The records outside aborted transactions (control records are kept: kafkajs drops them next).
 *
 * @example
 * filterAbortedMessages({ messages: batch.messages, abortedTransactions: [{ producerId: '7', firstOffset: '100' }] });
 */
export function filterAbortedMessages<R extends FetchedRecord>({ messages, abortedTransactions }: { messages: R[]; abortedTransactions?: AbortedTransaction[] }): R[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const pending = abortedTransactions.map((t) => ({ producerId: t.producerId, first: BigInt(t.firstOffset) })).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const aborted = new Set<string>();
  let next = 0;
  return messages.filter((r) => {
    const offset = BigInt(r.offset);
    while (next < pending.length && pending[next]!.first <= offset) aborted.add(pending[next++]!.producerId);
    const { producerId, inTransaction } = r.batchContext;
    if (r.isControlRecord) {
      // The abort marker ends the producer's aborted transaction: what it writes next may commit.
      if (isAbortMarker(r)) aborted.delete(producerId);
      return true;
    }
    return !(inTransaction && aborted.has(producerId));
  });
}
