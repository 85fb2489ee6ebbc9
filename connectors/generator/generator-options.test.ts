import { describe, expect, it } from 'vitest';
import { GeneratorOptionsSchema, startTimeOf } from './generator-options.js';

const NOW = 1_800_000_000_000;

describe('startTimeOf', () => {
  it('ends an unpaced --count run at now: 20,000 events at the nominal 20000/min span one minute', () => {
    expect(startTimeOf(GeneratorOptionsSchema.parse({ count: 20_000 }), NOW)).toBe(NOW - 60_000);
  });

  it('uses the event-time rate of --rate when one is given with --count (paced: starts now)', () => {
    expect(startTimeOf(GeneratorOptionsSchema.parse({ count: 1_000, rate: '100/s' }), NOW)).toBe(NOW);
  });

  it('starts a paced or open-ended run now, and keeps an explicit --start-time', () => {
    expect(startTimeOf(GeneratorOptionsSchema.parse({}), NOW)).toBe(NOW);
    expect(startTimeOf(GeneratorOptionsSchema.parse({ duration: '10s' }), NOW)).toBe(NOW);
    expect(startTimeOf(GeneratorOptionsSchema.parse({ count: 20_000, startTime: '1763800000000' }), NOW)).toBe(1_763_800_000_000);
  });
});
