import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { bytesSerde, jsonSerde } from './serde.js';

const Point = z.object({ x: z.number().int(), y: z.number().int() });
const serde = jsonSerde(Point);

describe('jsonSerde', () => {
  it('decodes a valid value and encodes it back', () => {
    const r = serde.decode(Buffer.from('{"x":1,"y":2}'));
    expect(r).toEqual({ ok: true, value: { x: 1, y: 2 } });
    expect(serde.encode({ x: 1, y: 2 }).toString()).toBe('{"x":1,"y":2}');
  });

  it.each([
    [null, 'decode', /^empty: record has no value$/],
    [Buffer.from([0x7b, 0xff, 0xfe]), 'decode', /^encoding: value is not valid UTF-8$/],
    [Buffer.from('{"x":1,'), 'decode', /^json: /],
    [Buffer.from('[1,2]'), 'schema', /^\(root\): /],
    [Buffer.from('{"x":1}'), 'schema', /^y: /],
    [Buffer.from('{"x":"1","y":2}'), 'schema', /^x: /],
    [Buffer.from('{"x":1.5,"y":2}'), 'schema', /^x: /],
  ])('rejects %j with reason %s and the detail', (bytes, reason, detail) => {
    const r = serde.decode(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.detail).toMatch(detail);
    }
  });

  it("puts JSON.parse's own message in a json detail", () => {
    const text = '{"x":1,';
    const message = ((): string => {
      try {
        JSON.parse(text);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(serde.decode(Buffer.from(text))).toEqual({ ok: false, reason: 'decode', detail: `json: ${message}` });
  });
});

describe('jsonSerde with a fast decoder', () => {
  // Takes only '{"x":<digit>,"y":<digit>}' and says so in the value, to tell the two paths apart.
  const fast = jsonSerde(Point, {
    fastDecode: (b) => (/^\{"x":\d,"y":\d\}$/.test(b.toString()) ? { x: Number(b[5]! - 0x30), y: -1 } : undefined),
  });

  it('returns what the fast decoder returns', () => {
    expect(fast.decode(Buffer.from('{"x":1,"y":2}'))).toEqual({ ok: true, value: { x: 1, y: -1 } });
  });

  it('leaves what it refuses to UTF-8, JSON.parse and the schema, rejections included', () => {
    expect(fast.decode(Buffer.from('{ "x": 10, "y": 2 }'))).toEqual({ ok: true, value: { x: 10, y: 2 } });
    expect(fast.decode(Buffer.from('{"x":1.5,"y":2}'))).toMatchObject({ ok: false, reason: 'schema', detail: expect.stringMatching(/^x: /) });
    expect(fast.decode(null)).toEqual({ ok: false, reason: 'decode', detail: 'empty: record has no value' });
  });
});

describe('bytesSerde', () => {
  it('passes bytes through and rejects a record without a value as decode', () => {
    const bytes = Buffer.from([0, 1, 2]);
    expect(bytesSerde.decode(bytes)).toEqual({ ok: true, value: bytes });
    expect(bytesSerde.decode(null)).toEqual({ ok: false, reason: 'decode', detail: 'empty: record has no value' });
  });
});
