import { describe, expect, it } from 'vitest';
import { WatchEventGenerator } from '../../connectors/generator/watch-event-generator.js';
import { WatchEventSchema } from './watch-event.js';
import { decodePlainWatchEvent } from './watch-event-decoder.js';

/** The full path the fast decoder must agree with: strict UTF-8, JSON.parse, the schema. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
function fullPath(bytes: Buffer): unknown {
  try {
    const r = WatchEventSchema.safeParse(JSON.parse(strictUtf8.decode(bytes)));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Where the fast decoder accepts, the value is the full path's, fields in the same order. */
function expectAgreement(bytes: Buffer): void {
  const fast = decodePlainWatchEvent(bytes);
  if (fast === undefined) return;
  const full = fullPath(bytes);
  expect(full, bytes.toString()).toBeDefined();
  expect(fast).toStrictEqual(full);
  expect(Object.keys(fast)).toEqual(Object.keys(full as object));
}

const plain = '{"eventId":"e-1","contentId":"c-000042","category":"movies","userId":"u-7","region":"IN-MH","device":"tv","watchSeconds":37,"eventTime":1763800000123}';

describe('decodePlainWatchEvent', () => {
  it('decodes every generated event itself, as JSON.parse reads it', () => {
    const gen = new WatchEventGenerator({
      seed: 3, items: 1_000, zipf: 1.1, categories: ['movies', 'news'], startTime: 1_763_800_000_000, eventsPerSecond: 1_000, outOfOrderMs: 5_000, lateFraction: 0.1, badFraction: 0,
    });
    for (const r of gen.nextBatch(5_000)) {
      const fast = decodePlainWatchEvent(r.value);
      expect(fast).toStrictEqual(JSON.parse(r.value.toString()));
    }
  });

  it('never accepts what the full path rejects (the generator’s bad records)', () => {
    const gen = new WatchEventGenerator({
      seed: 4, items: 1_000, zipf: 1.1, categories: ['movies'], startTime: 1_763_800_000_000, eventsPerSecond: 1_000, outOfOrderMs: 5_000, lateFraction: 0, badFraction: 0.5,
    });
    let bad = 0;
    for (const r of gen.nextBatch(4_000)) {
      if (r.kind === 'bad') {
        bad += 1;
        expect(decodePlainWatchEvent(r.value), r.value.toString()).toBeUndefined();
      }
      expectAgreement(r.value);
    }
    expect(bad).toBeGreaterThan(1_000);
  });

  it.each([
    ['whitespace', plain.replace('{', '{ ')],
    ['a trailing newline', `${plain}\n`],
    ['another field order', plain.replace('"eventId":"e-1","contentId":"c-000042"', '"contentId":"c-000042","eventId":"e-1"')],
    ['an extra field', plain.replace('}', ',"extra":1}')],
    ['an escape', plain.replace('"u-7"', '"u-\\u0037"')],
    ['a non-ASCII character', plain.replace('"IN-MH"', '"Zürich"')],
    ['a fraction', plain.replace('37', '37.0')],
    ['an exponent', plain.replace('1763800000123', '1.763800000123e12')],
    ['a negative event time', plain.replace('1763800000123', '-5')],
    ['16 digits', plain.replace('1763800000123', '1763800000123000')],
  ])('leaves %s to the full path, which accepts it', (_, text) => {
    const bytes = Buffer.from(text);
    expect(decodePlainWatchEvent(bytes)).toBeUndefined();
    expect(fullPath(bytes)).toBeDefined();
  });

  it.each([
    ['an empty id', plain.replace('"e-1"', '""')],
    ['an id of 129 characters', plain.replace('"e-1"', `"${'e'.repeat(129)}"`)],
    ['a leading zero', plain.replace('37', '037')],
    ['a number as a string', plain.replace('37', '"37"')],
    ['a string as a number', plain.replace('"tv"', '7')],
    ['a missing field', plain.replace(',"device":"tv"', '')],
    ['a control character', plain.replace('"tv"', '"t\tv"')],
    ['a cut value', plain.slice(0, -1)],
    ['an event time too large for a double', plain.replace('1763800000123', '1e999')],
  ])('rejects %s, as the full path does', (_, text) => {
    const bytes = Buffer.from(text);
    expect(decodePlainWatchEvent(bytes)).toBeUndefined();
    expect(fullPath(bytes)).toBeUndefined();
  });

  it('agrees with the full path on every one-byte change of an event', () => {
    const bytes = Buffer.from(plain);
    for (let i = 0; i < bytes.length; i += 1) {
      for (const b of [0x20, 0x22, 0x2c, 0x30, 0x39, 0x5c, 0x61, 0x7d, 0xc3]) {
        const changed = Buffer.from(bytes);
        changed[i] = b;
        expectAgreement(changed);
      }
    }
  });
});
