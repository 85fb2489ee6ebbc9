/**
 * The `trending` topic's record: one per window and category (key = the category, `"all"` for the
 * overall ranking). This zod schema is the contract recommendation services read.
 */
import * as z from 'zod';

export const RankingEntrySchema = z
  .strictObject({
    rank: z.number().int().min(1).describe('1 for the most viewed content of the window'),
    contentId: z.string().min(1),
    views: z.number().int().min(1).describe('watch events of this content in the window'),
    watchSeconds: z.number().int().nonnegative().describe('sum of watchSeconds of those events'),
  })
  .describe('One ranked content id');

/**
 * @example
 * TrendingRecordSchema.parse(JSON.parse(message.value.toString()))
 * // { windowStart, windowEnd, category: 'movies', rankings: [{ rank: 1, contentId: 'c-000042', views: 1234, watchSeconds: 45678 }], emittedAt }
 */
export const TrendingRecordSchema = z
  .strictObject({
    windowStart: z.number().int().describe('window start, epoch milliseconds (inclusive)'),
    windowEnd: z.number().int().describe('window end, epoch milliseconds (exclusive)'),
    category: z.string().min(1).describe('a content category, or "all" for the overall ranking (also the record key)'),
    rankings: z.array(RankingEntrySchema).describe('sorted by views descending, then contentId ascending; ranks 1..n; at most K entries'),
    emittedAt: z.number().int().describe('when Eddy emitted the record, epoch milliseconds'),
  })
  .meta({ title: 'TrendingRecord', description: "A record of the content-popularity job's trending topic: the top K of one window and category" });

export type TrendingRecord = z.infer<typeof TrendingRecordSchema>;

/** The JSON Schema of {@link TrendingRecordSchema}, for consumers not written in TypeScript (`trending-record.schema.json`). */
export function trendingRecordJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(TrendingRecordSchema), null, 2)}\n`;
}

/** The category key of the overall ranking. */
export const ALL_CATEGORIES = 'all';
