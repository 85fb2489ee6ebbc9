import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TrendingRecordSchema, trendingRecordJsonSchema } from './trending-record.js';

const file = join(dirname(fileURLToPath(import.meta.url)), 'trending-record.schema.json');

describe('trending record', () => {
  it('parses the example of the issue', () => {
    const example = '{"windowStart":1763800000000,"windowEnd":1763800600000,"category":"movies","rankings":[{"rank":1,"contentId":"c-000042","views":1234,"watchSeconds":45678}],"emittedAt":1763800601234}';
    expect(TrendingRecordSchema.parse(JSON.parse(example)).rankings[0]!.contentId).toBe('c-000042');
    expect(TrendingRecordSchema.safeParse({ ...JSON.parse(example), extra: 1 }).success).toBe(false);
  });

  it('has its JSON Schema file up to date (regenerate: npm run schema)', () => {
    expect(readFileSync(file, 'utf8')).toBe(trendingRecordJsonSchema());
  });

  it('JSON Schema states the fields, types and that nothing else is allowed', () => {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { required: string[]; additionalProperties: boolean; properties: Record<string, { type: string }> };
    expect(schema.required.sort()).toEqual(['category', 'emittedAt', 'rankings', 'windowEnd', 'windowStart']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.rankings!.type).toBe('array');
    expect(schema.properties.windowStart!.type).toBe('integer');
  });
});
