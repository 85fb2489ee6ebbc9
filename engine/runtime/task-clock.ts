/**
 * A task's event-time clock and what it tells downstream (commit-protocol.ts has the rules): for a
 * source stage, its progress through its partition; for an exchange stage, the markers of its
 * producers. Both are kept in the task's state (so the changelog) and restored with it; the progress
 * entry also carries the input offset it was committed with (absent when an older Eddy wrote it),
 * so the changelog says where the input resumes even when the group's offsets are gone.
 */
import type { WriteBatch } from '../state/state-backend.js';
import { META_PREFIX, type TransactionalState } from '../state/transactional-state.js';
import {
  allIdle, encodeWatermark, exchangeWatermark, INITIAL_PROGRESS, observe, partitionWatermark, type TaskProgress, type WatermarkMarker,
} from '../checkpoint/commit-protocol.js';
import type { StageLayout } from './job-topics.js';

const PROGRESS_KEY = Buffer.concat([META_PREFIX, Buffer.from('progress')]);
const MARKERS_KEY = Buffer.concat([META_PREFIX, Buffer.from('markers')]);
type StoredProgress = TaskProgress & { offset?: string };

/**
 * @example
 * const clock = await TaskClock.load(state, layout);
 * clock.observe(newestEventTime);
 * await executor.advanceWatermark(clock.watermark);
 */
export class TaskClock {
  #sent = '';

  private constructor(
    private readonly stage: StageLayout,
    private progress: TaskProgress,
    private readonly markers: Map<string, WatermarkMarker>,
  ) {}

  /** The clock as the task's committed state holds it. */
  static async load(state: TransactionalState, stage: StageLayout): Promise<TaskClock> {
    const [progress, markers] = await state.getMany([PROGRESS_KEY, MARKERS_KEY]);
    return new TaskClock(
      stage,
      progress ? (JSON.parse(progress.toString()) as TaskProgress) : INITIAL_PROGRESS,
      new Map(markers ? (JSON.parse(markers.toString()) as [string, WatermarkMarker][]) : []),
    );
  }

  /** The input offset the committed state was written with (undefined: none recorded). */
  static async recordedOffset(state: TransactionalState): Promise<bigint | undefined> {
    const [stored] = await state.getMany([PROGRESS_KEY]);
    const offset = stored ? (JSON.parse(stored.toString()) as StoredProgress).offset : undefined;
    return offset === undefined ? undefined : BigInt(offset);
  }

  /** Source stages: the task's partition watermark; exchange stages: the minimum over its producers. */
  get watermark(): number {
    const { source, producers } = this.stage;
    return source ? partitionWatermark(this.progress, source.outOfOrdernessMs) : exchangeWatermark(this.markers, producers);
  }

  /** Source stages: event times admitted (the newest of a batch). */
  observe(newest: number): void {
    this.progress = observe(this.progress, [newest]);
  }

  /** Exchange stages: an upstream task's marker. */
  mark(marker: WatermarkMarker): void {
    this.markers.set(marker.from, marker);
  }

  /** Bounded: the source partition is read to its end. */
  end(): void {
    this.progress = { ...this.progress, watermark: 'end' };
  }

  /**
   * The marker this task sends downstream now, or undefined when it sent this one already (or its
   * stage writes no exchange). An exchange stage's task is idle when all its producers are.
   */
  markerToSend(from: string, idle: boolean): WatermarkMarker | undefined {
    if (this.stage.exits.length === 0) return undefined;
    const quiet = this.stage.source ? idle : allIdle(this.markers, this.stage.producers);
    const marker: WatermarkMarker = { type: 'watermark', from, watermark: this.progress.watermark === 'end' ? 'end' : encodeWatermark(this.watermark), idle: quiet };
    return JSON.stringify(marker) === this.#sent ? undefined : marker;
  }

  /** The marker went out with a committed transaction. */
  sent(marker: WatermarkMarker): void {
    this.#sent = JSON.stringify(marker);
  }

  /** Step 2: the clock's entries for the state, with the input offset they commit with. */
  entries(offset: bigint | undefined): WriteBatch['puts'] {
    return [
      [PROGRESS_KEY, Buffer.from(JSON.stringify({ ...this.progress, offset: offset?.toString() } satisfies StoredProgress))],
      ...(this.stage.source ? [] : [[MARKERS_KEY, Buffer.from(JSON.stringify([...this.markers]))] as const]),
    ];
  }
}
