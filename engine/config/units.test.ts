import { describe, expect, it } from 'vitest';
import { durationMs, formatDuration, parseDuration, parseRate, ratePerSecond } from './units.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['250', 250],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '10 minutes', '-5s', '1w'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('parseRate', () => {
  it('reads per-minute and per-second rates', () => {
    expect(parseRate('20000/min')).toBeCloseTo(333.333, 3);
    expect(parseRate('500/s')).toBe(500);
    expect(parseRate('7200/h')).toBe(2);
  });
  it.each(['20000', '0/s', 'x/min', '5/day'])('rejects %j', (text) => expect(parseRate(text)).toBeUndefined());
});

describe('zod schemas', () => {
  it('names the problem in the error message', () => {
    const r = durationMs.safeParse('soon');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain("got 'soon'");
    expect(ratePerSecond.safeParse('fast').success).toBe(false);
  });
  it('round-trips through formatDuration', () => {
    for (const ms of [500, 30_000, 600_000, 3_600_000]) expect(durationMs.parse(formatDuration(ms))).toBe(ms);
  });
});
