/**
 * Seeded random cases for the window/top-K property test: random windows, lateness, k, keys with
 * skew and ties, out-of-order and late records, watermarks that lag, stall or jump.
 */
import type { RefConfig, RefRecord, RefStep, RefWindow } from './window-top-k-reference.js';

/** mulberry32: a tiny seeded PRNG (this folder's own, independent of the engine's code). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomCase {
  config: Omit<RefConfig, 'groupsOf'> & { groupCount: number };
  steps: RefStep[];
}

export function randomCase(seed: number): RandomCase {
  const r = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

  const size = pick([10, 20, 30, 50, 60, 100, 200]);
  const window: RefWindow = r() < 0.4 ? { kind: 'tumbling', size } : { kind: 'sliding', size, slide: pick([size, size / 2, size / 5, 7, 3].filter((s) => Number.isInteger(s) && s > 0 && s <= size)) };
  const allowedLateness = r() < 0.7 ? 0 : int(1, size);
  const keyCount = int(1, 30);
  const skewed = r() < 0.5;
  const key = (): string => `k${skewed ? Math.floor(keyCount * r() * r()) : int(0, keyCount - 1)}`;
  const jitter = int(0, 60);

  const steps: RefStep[] = [];
  let maxTs = int(0, 500);
  let watermark = -1;
  let remaining = int(0, 300);
  while (remaining > 0) {
    const records: RefRecord[] = [];
    for (let n = Math.min(remaining, int(1, 20)); n > 0; n -= 1, remaining -= 1) {
      maxTs += int(0, 15);
      const lateBy = r() < 0.05 ? int(100, 600) : int(0, jitter);
      records.push({ key: key(), ts: Math.max(0, maxTs - lateBy), value: int(0, 9) });
    }
    steps.push({ kind: 'records', records });
    const roll = r();
    if (roll < 0.6) {
      watermark = Math.max(watermark, maxTs - int(0, jitter + 20));
      steps.push({ kind: 'watermark', ts: watermark });
    } else if (roll < 0.65) {
      watermark = maxTs + int(0, 200); // jumps ahead: later records are late
      steps.push({ kind: 'watermark', ts: watermark });
    }
  }
  return { config: { window, allowedLateness, k: int(1, 5), groupCount: int(1, 3) }, steps };
}

/** Each key belongs to one of g0..g{n-1} (by a simple hash) and to "all". */
export function groupsFor(groupCount: number): (key: string) => string[] {
  return (key) => {
    let h = 0;
    for (const c of key) h = (h * 31 + c.charCodeAt(0)) | 0;
    return [`g${Math.abs(h) % groupCount}`, 'all'];
  };
}
