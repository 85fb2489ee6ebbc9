import { describe, expect, it } from 'vitest';
import { eventTimeProblem, MAX_EVENT_TIME_MS } from './event-time.js';

const KAFKA = Date.UTC(2026, 11, 4);
const HOUR = 3_600_000;

describe('eventTimeProblem', () => {
  it('accepts ordinary times, including some ahead of the Kafka timestamp and any without one', () => {
    expect(eventTimeProblem(KAFKA - 5_000, KAFKA, HOUR)).toBeUndefined();
    expect(eventTimeProblem(KAFKA + HOUR, KAFKA, HOUR)).toBeUndefined();
    expect(eventTimeProblem(0, KAFKA, HOUR)).toBeUndefined();
    expect(eventTimeProblem(KAFKA + 10 * HOUR, undefined, HOUR)).toBeUndefined();
    expect(eventTimeProblem(KAFKA + 10 * HOUR, -1, HOUR)).toBeUndefined();
  });

  it('refuses what is not a non-negative whole number within the year 275760, whatever the skew setting', () => {
    for (const t of [-1, 1.5, Number.NaN, Infinity, '1764000000000', null, undefined, Number.MAX_SAFE_INTEGER, MAX_EVENT_TIME_MS + 1]) {
      expect(eventTimeProblem(t, KAFKA, 0), String(t)).toMatch(/^event time /);
    }
    expect(eventTimeProblem(MAX_EVENT_TIME_MS, undefined, 0)).toBeUndefined();
  });

  it('refuses a time more than the skew ahead of the Kafka timestamp, saying by how much', () => {
    expect(eventTimeProblem(KAFKA + HOUR + 1, KAFKA, HOUR)).toMatch(/1 h ahead of the record's Kafka timestamp/);
    expect(eventTimeProblem(1_900_000_000_000, 1_764_806_400_000, HOUR)).toMatch(/4 years ahead/);
    expect(eventTimeProblem(KAFKA + 100 * HOUR, KAFKA, 0)).toBeUndefined();
  });
});
