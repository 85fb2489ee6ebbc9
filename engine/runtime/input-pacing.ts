/**
 * How long the broker may hold a member's input fetch. Exactly-once output becomes visible at a
 * commit, and a task commits ahead of its checkpoint interval only when it fired windows
 * (commit-policy.ts). So the fetch wait delays visible output only around the event times at which
 * the job's windows fire; between them a longer wait costs nothing a reader can see, and each
 * fetch it saves is a request, a response and a batch per partition less: at 20,000 events/min a
 * runner waiting 500 ms spends about a quarter less CPU than one waiting 100 ms (the profile,
 * "Input pacing"). The schedule is read off the job graph once; the wait is asked for per fetch.
 */
import type { JobGraph } from '../graph/job-graph.js';
import { WindowGeometry } from '../windows/window-spec.js';

/** Kafka's own default fetch wait; the wait between firings, unless the configured one is longer. */
export const FAR_FETCH_WAIT_MS = 500;
/**
 * How far ahead of a firing (in event time) a source task is read with the near wait: the far wait
 * four times over, so a fetch held for it cannot take in the record that moves the watermark past
 * the firing unless event time runs four times faster than the clock.
 */
export const FIRING_LEAD_MS = 4 * FAR_FETCH_WAIT_MS;

/** When the job can fire, as a function of a watermark: the next watermark that fires something. */
export type FiringSchedule =
  /** Nothing in the job fires on the watermark: output waits for the checkpoint interval. */
  | { kind: 'never' }
  /** Some operator fires at event times the graph does not say (session windows, process timers). */
  | { kind: 'any' }
  | { kind: 'windows'; next: (watermark: number) => number };

/**
 * The job's firing schedule: every tumbling or sliding window node fires when the watermark reaches
 * a window's end − 1 + its allowed lateness, and with early firing at each multiple of that period.
 * A top-K fires with the windows it ranks, so it adds nothing.
 *
 * @example
 * const s = firingSchedule(graph); // one sliding 10 min / 1 min window node, no lateness
 * s.kind === 'windows' && s.next(59_000); // 59_999: the window ending at 60_000 closes
 */
export function firingSchedule(graph: JobGraph): FiringSchedule {
  const fns: ((watermark: number) => number)[] = [];
  for (const node of graph.nodes) {
    if (node.kind === 'process') return { kind: 'any' };
    if (node.kind !== 'window') continue;
    const { window, allowedLatenessMs: lateness, earlyFiringMs: early } = node.config;
    if (window.kind === 'session') return { kind: 'any' };
    const g = new WindowGeometry(window);
    // The first end e with e − 1 + lateness > w, i.e. e ≥ w − lateness + 2.
    fns.push((w) => g.windowEndAtOrAfter(w - lateness + 2) - 1 + lateness);
    if (early !== null) fns.push((w) => (Math.floor(w / early) + 1) * early);
  }
  if (fns.length === 0) return { kind: 'never' };
  return { kind: 'windows', next: (w) => Math.min(...fns.map((f) => f(w))) };
}

/**
 * The wait for the next input fetch, given the watermarks of the member's source tasks: the near
 * (configured) wait when any of them is within {@link FIRING_LEAD_MS} of a firing, or has no
 * watermark yet; else the far one. A task that falls behind reads full fetches either way: the
 * broker answers once `minBytes` are there.
 *
 * @example
 * inputFetchWaitMs(firingSchedule(graph), [30_000, 58_500], 100); // 100: the second is near 59_999
 */
export function inputFetchWaitMs(schedule: FiringSchedule, watermarks: Iterable<number>, nearMs: number): number {
  const far = Math.max(nearMs, FAR_FETCH_WAIT_MS);
  if (schedule.kind === 'any') return nearMs;
  if (schedule.kind === 'never') return far;
  for (const w of watermarks) {
    if (!Number.isFinite(w) || schedule.next(w) - w <= FIRING_LEAD_MS) return nearMs;
  }
  return far;
}
