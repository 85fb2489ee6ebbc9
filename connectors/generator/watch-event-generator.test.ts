import { describe, expect, it } from 'vitest';
import { LATE_MIN_MS, WatchEventGenerator, categoryOf, type WatchEventGeneratorOptions } from './watch-event-generator.js';
import { WatchEventSchema } from '../../jobs/shared/watch-event.js';

const base: WatchEventGeneratorOptions = {
  seed: 1, items: 1_000, zipf: 1.1, categories: ['movies', 'series', 'sports', 'news', 'kids'],
  startTime: 1_763_800_000_000, eventsPerSecond: 1_000, outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0,
};
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

describe('WatchEventGenerator', () => {
  it('is deterministic per seed', () => {
    const a = new WatchEventGenerator(base).nextBatch(2_000);
    const b = new WatchEventGenerator(base).nextBatch(2_000);
    const c = new WatchEventGenerator({ ...base, seed: 2 }).nextBatch(2_000);
    expect(a).toEqual(b);
    expect(a.map((r) => r.value.toString())).not.toEqual(c.map((r) => r.value.toString()));
  });

  it('writes events in the documented shape, keyed by content id, with a fixed category per content id', () => {
    const gen = new WatchEventGenerator(base);
    const first = gen.next();
    expect(first.value.toString()).toMatch(
      /^\{"eventId":"e-[0-9a-f]{16}","contentId":"c-\d{6}","category":"[a-z]+","userId":"u-\d+","region":"[A-Z]{2}-[A-Z0-9]+","device":"(mobile|tv|web|tablet)","watchSeconds":\d+,"eventTime":\d+\}$/,
    );
    for (const r of gen.nextBatch(5_000)) {
      const e = WatchEventSchema.parse(JSON.parse(r.value.toString()));
      expect(r.key).toBe(e.contentId);
      expect(e.category).toBe(categoryOf(e.contentId, base.categories));
      expect(e.watchSeconds).toBeGreaterThanOrEqual(1);
      expect(e.watchSeconds).toBeLessThanOrEqual(3600);
    }
    // The category does not depend on the seed.
    expect(categoryOf('c-000042', base.categories)).toBe(categoryOf('c-000042', [...base.categories]));
  });

  it('keeps good events within the out-of-order bound of their nominal time', () => {
    const gen = new WatchEventGenerator(base);
    for (let i = 0; i < 10_000; i += 1) {
      const e = JSON.parse(gen.next().value.toString()) as { eventTime: number };
      const nominal = base.startTime + Math.floor((i * 1000) / base.eventsPerSecond);
      expect(nominal - e.eventTime).toBeGreaterThanOrEqual(0);
      expect(nominal - e.eventTime).toBeLessThanOrEqual(base.outOfOrderMs);
    }
  });

  it('makes late and bad records at the asked fractions; bad ones fail decoding or the schema', () => {
    const n = 50_000;
    const gen = new WatchEventGenerator({ ...base, lateFraction: 0.05, badFraction: 0.02, startTime: base.startTime + 3_600_000 });
    const counts = { good: 0, late: 0, bad: 0 };
    for (let i = 0; i < n; i += 1) {
      const r = gen.next();
      counts[r.kind] += 1;
      if (r.kind === 'bad') {
        let ok = true;
        try {
          ok = WatchEventSchema.safeParse(JSON.parse(strictUtf8.decode(r.value))).success;
        } catch {
          ok = false;
        }
        expect(ok, r.value.toString()).toBe(false);
      } else if (r.kind === 'late') {
        const e = WatchEventSchema.parse(JSON.parse(r.value.toString()));
        expect(gen.nominalTime(i) - e.eventTime).toBeGreaterThanOrEqual(LATE_MIN_MS);
      }
    }
    expect(counts.late / n).toBeCloseTo(0.05, 2);
    expect(counts.bad / n).toBeCloseTo(0.02, 2);
  });

  it('draws content with Zipf popularity', () => {
    const gen = new WatchEventGenerator({ ...base, zipf: 1.1, items: 1_000 });
    const freq = new Map<string, number>();
    const n = 100_000;
    for (const r of gen.nextBatch(n)) freq.set(r.key!, (freq.get(r.key!) ?? 0) + 1);
    const top = Math.max(...freq.values()) / n;
    let h = 0;
    for (let k = 1; k <= 1_000; k += 1) h += 1 / Math.pow(k, 1.1);
    expect(top).toBeGreaterThan((1 / h) * 0.95);
    expect(top).toBeLessThan((1 / h) * 1.05);
  });
});
