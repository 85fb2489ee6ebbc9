/** The kafkajs source's heartbeats while one batch is handled (kafka-source.ts). */
import type { EachBatchPayload } from 'kafkajs';

/**
 * Heartbeats while a batch is handled. kafkajs heartbeats only between batches, where the Java client
 * has a thread for it: without this, one batch that takes longer than the session timeout (a task
 * restoring its state, a slow user function, backpressure) ends the member's session, and the
 * rebalance that follows can start the same slow work again. It stops after `forMs` (the rebalance
 * timeout, as the Java client's max.poll.interval.ms), so a handler that hangs still loses its
 * partitions; and at the group's first answer that this member must rejoin, which `ended` keeps.
 *
 * @example
 * const alive = keepAlive(payload, 3_000, 60_000);
 * try { await handler(batch); } finally { alive.stop(); }
 * if (alive.ended) throw alive.ended; // kafkajs rejoins
 */
export function keepAlive(payload: EachBatchPayload, intervalMs: number, forMs: number): { stop(): void; readonly ended: Error | undefined } {
  const until = Date.now() + forMs;
  let ended: Error | undefined;
  const timer = setInterval(() => {
    if (Date.now() > until) return clearInterval(timer);
    payload.heartbeat().catch((e: Error & { type?: string }) => {
      // Other errors (the broker away) are for the heartbeat after the batch to meet, if they last.
      if (e.type !== undefined && REJOIN.has(e.type)) {
        ended ??= e;
        clearInterval(timer);
      }
    });
  }, intervalMs);
  return {
    stop: () => clearInterval(timer),
    get ended() {
      return ended;
    },
  };
}

/** Heartbeat answers after which kafkajs rejoins the group (when the batch handler throws them). */
export const REJOIN: ReadonlySet<string> = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR_FOR_GROUP', 'UNKNOWN_MEMBER_ID']);
