/**
 * Top-K, phase 1 of 2: over the window results of the keys this task owns, keep the K best per
 * (window, group) and send them to the merge phase when the window's results are complete.
 *
 * Why two phases are exact: a key lives in exactly one task (key groups are disjoint), so every key's
 * window result is ranked by exactly one local phase, with its final value. A key in a window's global
 * top K is in the top K of its own task (fewer than K keys anywhere beat it), so the union of the
 * local top-Ks contains the global top K, and the merge sees at most K entries per task per window.
 * Early (provisional) results are ranked the same way, within the watermark step that produced them.
 *
 * Groups per window are capped at `--max-groups` (ctx.maxGroups) by the same argument: the groups
 * kept are the first maxGroups in {@link groupOrder} (the job's overall group, then by name). A group
 * among the first maxGroups of all tasks' groups together is among the first maxGroups of every task
 * that has it, so every task ranks all its results for that group, and the merge, keeping the first
 * maxGroups of the groups it receives, gets complete partials for exactly those groups. A group left
 * out is counted (eddy_topk_groups_dropped_total); its results still count in the overall group.
 */
import type { WindowResult } from '../api/functions.js';
import type { NodeConfigs } from '../graph/job-graph.js';
import { CappedSet } from './capped-set.js';
import type { Operator, OperatorContext, Output, StreamRecord } from './operator.js';
import { topK, type Ranked } from './ranking.js';
import { SKIPPED } from './user-code.js';

/** What the local phase sends to the merge phase: one task's best K of one window and group. */
export interface PartialTopK {
  windowStart: number;
  windowEnd: number;
  group: string;
  entries: Ranked<unknown>[];
  early: boolean;
}

/**
 * The order in which groups are kept under the cap: `overall` first, then by name (UTF-16 code
 * units). Both phases use it, so they keep the same groups.
 *
 * @example
 * ['movies', 'all', 'kids'].sort(groupOrder('all')) // ['all', 'kids', 'movies']
 */
export function groupOrder(overall: string | undefined): (a: string, b: string) => number {
  return (a, b) => (a === b ? 0 : a === overall ? -1 : b === overall ? 1 : a < b ? -1 : 1);
}

interface PendingWindow {
  windowStart: number;
  /** Candidates of the groups kept. */
  groups: Map<string, Ranked<unknown>[]>;
  kept: CappedSet<string>;
}

/** windowEnd → window. */
type Pending = Map<number, PendingWindow>;

export class TopKLocalOperator implements Operator {
  /** Final results wait for the watermark, early ones for the step's end. */
  readonly #final: Pending = new Map();
  readonly #early: Pending = new Map();
  readonly #order: (a: string, b: string) => number;

  constructor(
    private readonly ctx: OperatorContext,
    private readonly config: NodeConfigs['topK'],
    private readonly score: (value: unknown) => number,
    private readonly groupsOf: (result: WindowResult<unknown>) => readonly string[],
  ) {
    this.#order = groupOrder(config.overall);
    ctx.meter?.groupsDropped(ctx.node, 0);
  }

  processBatch(records: readonly StreamRecord[]): void {
    // (window, group) pairs left out, each counted once: a window's results come in one batch (its firing).
    let dropped: Set<string> | undefined;
    for (const record of records) {
      const r = record.value as WindowResult<unknown>;
      let score: number | typeof SKIPPED;
      try {
        score = checkedScore(this.score(r.value));
      } catch (e) {
        score = this.#again(record, e, (v) => checkedScore(this.score(v.value)));
        if (score === SKIPPED) continue;
      }
      let groups: readonly string[] | typeof SKIPPED;
      try {
        groups = checkedGroups(this.groupsOf(r));
      } catch (e) {
        groups = this.#again(record, e, (v) => checkedGroups(this.groupsOf(v)));
        if (groups === SKIPPED) continue;
      }
      const pending = r.early ? this.#early : this.#final;
      let w = pending.get(r.windowEnd);
      if (!w) pending.set(r.windowEnd, (w = { windowStart: r.windowStart, groups: new Map(), kept: new CappedSet(this.ctx.maxGroups, this.#order) }));
      const entry: Ranked<unknown> = { key: r.key, score, value: r.value };
      for (const group of groups) {
        let list = w.groups.get(group);
        if (!list) {
          const left = w.kept.add(group);
          if (left !== undefined) {
            (dropped ??= new Set()).add(`${r.early ? 'e' : 'f'}${r.windowEnd}|${left}`);
            if (left === group) continue;
            w.groups.delete(left);
          }
          w.groups.set(group, (list = []));
        }
        // A result that names a group twice is ranked in it once.
        if (list[list.length - 1] !== entry) list.push(entry);
      }
    }
    if (dropped) this.ctx.meter?.groupsDropped(this.ctx.node, dropped.size);
  }

  // Its own method: a retry closure in processBatch's loop would cost every record a context allocation.
  #again<T>(record: StreamRecord, e: unknown, fn: (r: WindowResult<unknown>) => T): T | typeof SKIPPED {
    return this.ctx.userCode.recover(this.ctx.node, record, e, () => fn(record.value as WindowResult<unknown>));
  }

  onWatermark(watermark: number, out: Output): void {
    this.#emit(this.#final, (windowEnd) => windowEnd - 1 <= watermark, false, out);
    this.#emit(this.#early, () => true, true, out);
  }

  #emit(pending: Pending, ready: (windowEnd: number) => boolean, early: boolean, out: Output): void {
    for (const [windowEnd, w] of [...pending].sort((a, b) => a[0] - b[0])) {
      if (!ready(windowEnd)) continue;
      pending.delete(windowEnd);
      for (const group of w.kept) {
        const partial: PartialTopK = { windowStart: w.windowStart, windowEnd, group, entries: topK(w.groups.get(group)!, this.config.k), early };
        out.emit({ value: partial, timestamp: windowEnd - 1 });
      }
    }
  }
}

// A score that is not a finite number would order ranks arbitrarily (NaN) or not survive the JSON
// of the partials topic (±Infinity): such a result is treated as the function failing on it.
function checkedScore(score: unknown): number {
  if (typeof score !== 'number' || !Number.isFinite(score)) throw new TypeError(`a top-K score function must return a finite number, got ${String(score)}`);
  return score;
}

function checkedGroups(groups: unknown): readonly string[] {
  const ok = Array.isArray(groups);
  for (let i = 0; ok && i < groups.length; i += 1) if (typeof groups[i] !== 'string') throw new TypeError('a top-K groups function must return an array of strings');
  if (!ok) throw new TypeError('a top-K groups function must return an array of strings');
  return groups as readonly string[];
}
