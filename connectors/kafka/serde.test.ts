import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { jsonSerde } from './serde.js';

const Point = z.object({ x: z.number().int(), y: z.number().int() });
const serde = jsonSerde(Point);

describe('jsonSerde', () => {
  it('decodes a valid value and encodes it back', () => {
    const r = serde.decode(Buffer.from('{"x":1,"y":2}'));
    expect(r).toEqual({ ok: true, value: { x: 1, y: 2 } });
    expect(serde.encode({ x: 1, y: 2 }).toString()).toBe('{"x":1,"y":2}');
  });

  it.each([
    [null, /^empty:/],
    [Buffer.from([0x7b, 0xff, 0xfe]), /^encoding:/],
    [Buffer.from('{"x":1,'), /^json:/],
    [Buffer.from('[1,2]'), /^schema: \(root\):/],
    [Buffer.from('{"x":1}'), /^schema: y:/],
    [Buffer.from('{"x":"1","y":2}'), /^schema: x:/],
    [Buffer.from('{"x":1.5,"y":2}'), /^schema: x:/],
  ])('rejects %j with a reason', (bytes, reason) => {
    const r = serde.decode(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
