import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';

describe('Pacer', () => {
  it('schedules events from the start time, with no drift', () => {
    const p = new Pacer(333.333, 1_000);
    expect(p.due(1_000)).toBe(0);
    expect(p.due(2_000)).toBe(333);
    expect(p.due(61_000)).toBe(19_999);
    expect(p.dueAt(20_000)).toBeCloseTo(61_000, 0);
    // The schedule is absolute: late wake-ups catch up, early ones send nothing extra.
    expect(p.due(1_000 + 90_000)).toBe(Math.floor(90 * 333.333));
  });

  it('rejects a non-positive rate', () => {
    expect(() => new Pacer(0, 0)).toThrow(RangeError);
  });
});
