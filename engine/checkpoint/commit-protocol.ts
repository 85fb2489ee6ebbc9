/**
 * The commit protocol of a task, as pure decisions. The I/O shell (runtime/task.ts) performs the
 * steps in this order, in one Kafka transaction per task:
 *
 *   1. Process records: outputs, exchange records (repartitioned records, partial top-Ks) and dead
 *      letters are sent inside the open transaction;
 *      state changes stay in the task's overlay (state/transactional-state.ts).
 *   2. Put the task's own progress (watermark, newest event time, end reached, and the input offset
 *      of step 5, so state and offset travel together even if the group's offsets are lost) into the
 *      overlay.
 *   3. Send every overlay change to the task's changelog partition (tombstones for deletions).
 *   4. Send the task's watermark marker, if it changed, to every partition of each exchange topic
 *      its stage writes (the downstream tasks take the minimum over their producers).
 *   5. Add the input offset to the transaction (sendOffsets) and commit it.
 *   6. Only then write the overlay, plus the changelog offset reached, to local RocksDB, atomically.
 *
 * A crash before 5 aborts everything (the next owner's producer fences and aborts the open
 * transaction). A crash between 5 and 6 leaves local state one commit behind the changelog: recovery
 * replays the changelog from the offset stored in step 6 to its end. So local state only ever holds
 * committed data, and recovery reads at most what was committed since the last local apply.
 */

/** A task's progress, carried in its changelog so a new owner resumes the event-time clock too. */
export interface TaskProgress {
  /** The task's watermark (null = none yet; "end" = bounded input exhausted). */
  watermark: number | null | 'end';
  /** Newest event time seen (null = none yet). */
  maxTimestamp: number | null;
}

export const INITIAL_PROGRESS: TaskProgress = { watermark: null, maxTimestamp: null };

/** The watermark of a task that reads one partition: newest event time − out-of-orderness − 1. */
export function partitionWatermark(p: TaskProgress, outOfOrdernessMs: number): number {
  if (p.watermark === 'end') return Infinity;
  if (p.maxTimestamp === null) return -Infinity;
  return Math.max(p.watermark ?? -Infinity, p.maxTimestamp - outOfOrdernessMs - 1);
}

/** Progress after seeing event times. */
export function observe(p: TaskProgress, timestamps: Iterable<number>): TaskProgress {
  let max = p.maxTimestamp ?? -Infinity;
  for (const t of timestamps) if (t > max) max = t;
  return { ...p, maxTimestamp: Number.isFinite(max) ? max : p.maxTimestamp };
}

/** A watermark marker on an exchange topic: what each downstream task needs from each upstream task. */
export interface WatermarkMarker {
  type: 'watermark';
  /** The upstream task (`<stage>:<partition>`). */
  from: string;
  /** null: none yet; "end": the task's input is exhausted (bounded mode). */
  watermark: number | null | 'end';
  /** The task has had no input for the idle timeout: it does not hold the downstream back. */
  idle: boolean;
}

/**
 * The watermark of a task reading an exchange: the minimum over its producers (every task of every
 * upstream stage) that are not idle, once every producer has reported; +∞ when all have ended.
 */
export function exchangeWatermark(markers: ReadonlyMap<string, WatermarkMarker>, producers: readonly string[]): number {
  let min = Infinity;
  let active = 0;
  for (const p of producers) {
    const m = markers.get(p);
    if (!m) return -Infinity;
    if (m.watermark === 'end' || m.idle) continue;
    active += 1;
    const wm = m.watermark ?? -Infinity;
    if (wm < min) min = wm;
  }
  return active === 0 && producers.some((p) => markers.get(p)!.idle && markers.get(p)!.watermark !== 'end') ? -Infinity : min;
}

/** Whether every producer of a task reading an exchange is idle (then so is the task, to its own downstream). */
export function allIdle(markers: ReadonlyMap<string, WatermarkMarker>, producers: readonly string[]): boolean {
  return producers.length > 0 && producers.every((p) => markers.get(p)?.idle === true);
}

/** Encodes numbers that JSON cannot hold. */
export function encodeWatermark(w: number): number | null | 'end' {
  return w === Infinity ? 'end' : Number.isFinite(w) ? w : null;
}
