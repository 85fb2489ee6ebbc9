/**
 * The oracle for session windows: naive on purpose and sharing no code with the engine. Per key it
 * keeps every accepted record of the sessions still open and recomputes the sessions from scratch
 * each time it needs them: sort by time, split where two consecutive records are more than `gap`
 * apart. A session of records t1 ≤ … ≤ tn is `[t1, tn + gap)`.
 *
 * Semantics (the contract operators/session-window.ts is tested against):
 * - the watermark W starts at -∞ and only grows; a session is closed once W ≥ end − 1 + allowedLateness;
 * - a record joins the session it makes with the key's open records; if that session is closed, the
 *   record is late and changes nothing;
 * - when W grows, every closed session fires once, ordered by end then key, and its records are
 *   forgotten (a later record near them starts a new session);
 * - at the end of input W becomes +∞.
 */

export type SessionRecord = { key: string; ts: number; value: number };
export type SessionStep = { kind: 'records'; records: SessionRecord[] } | { kind: 'watermark'; ts: number };
export type SessionConfig = { gap: number; allowedLateness: number };
/** One fired session; `step` is the index of the step that fired it (`steps.length` for the end of input). */
export type SessionResult = { key: string; windowStart: number; windowEnd: number; count: number; sum: number; step: number };

/** The sessions a key's records make: groups of records, each sorted by time. */
function sessionsOf(records: readonly SessionRecord[], gap: number): SessionRecord[][] {
  const sorted = [...records].sort((a, b) => a.ts - b.ts);
  const out: SessionRecord[][] = [];
  for (const r of sorted) {
    const current = out[out.length - 1];
    if (current && r.ts - current[current.length - 1]!.ts <= gap) current.push(r);
    else out.push([r]);
  }
  return out;
}

export function referenceSessions(steps: readonly SessionStep[], config: SessionConfig): { results: SessionResult[]; late: (SessionRecord & { step: number })[] } {
  let watermark = -Infinity;
  const isClosed = (end: number): boolean => watermark >= end - 1 + config.allowedLateness;
  const endOf = (session: readonly SessionRecord[]): number => session[session.length - 1]!.ts + config.gap;
  const open = new Map<string, SessionRecord[]>();
  const results: SessionResult[] = [];
  const late: (SessionRecord & { step: number })[] = [];

  const advance = (to: number, step: number): void => {
    watermark = Math.max(watermark, to);
    const fired: SessionResult[] = [];
    for (const [key, records] of open) {
      const keep: SessionRecord[] = [];
      for (const session of sessionsOf(records, config.gap)) {
        if (!isClosed(endOf(session))) {
          keep.push(...session);
          continue;
        }
        const sum = session.reduce((n, r) => n + r.value, 0);
        fired.push({ key, windowStart: session[0]!.ts, windowEnd: endOf(session), count: session.length, sum, step });
      }
      open.set(key, keep);
    }
    fired.sort((a, b) => a.windowEnd - b.windowEnd || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    results.push(...fired);
  };

  steps.forEach((step, i) => {
    if (step.kind === 'watermark') return advance(step.ts, i);
    for (const r of step.records) {
      const withIt = [...(open.get(r.key) ?? []), r];
      const itsSession = sessionsOf(withIt, config.gap).find((s) => s.includes(r))!;
      if (isClosed(endOf(itsSession))) late.push({ ...r, step: i });
      else open.set(r.key, withIt);
    }
  });
  advance(Infinity, steps.length);
  return { results, late };
}
