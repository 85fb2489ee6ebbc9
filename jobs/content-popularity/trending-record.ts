/**
 * The `trending` topic's record: one per window and category (key = the category, `"all"` for the
 * overall ranking). This zod schema is the contract recommendation services read.
 */
import * as z from 'zod';

export const RankingEntrySchema = z.strictObject({
  rank: z.number().int().min(1),
  contentId: z.string().min(1),
  views: z.number().int().min(1),
  watchSeconds: z.number().int().nonnegative(),
});

/**
 * @example
 * TrendingRecordSchema.parse(JSON.parse(message.value.toString()))
 * // { windowStart, windowEnd, category: 'movies', rankings: [{ rank: 1, contentId: 'c-000042', views: 1234, watchSeconds: 45678 }], emittedAt }
 */
export const TrendingRecordSchema = z.strictObject({
  /** Window start, epoch ms (inclusive). */
  windowStart: z.number().int(),
  /** Window end, epoch ms (exclusive). */
  windowEnd: z.number().int(),
  /** A content category, or `"all"` for the overall ranking. */
  category: z.string().min(1),
  /** Sorted by views descending, then contentId ascending; ranks 1..n; at most K entries. */
  rankings: z.array(RankingEntrySchema),
  /** When Eddy emitted the record, epoch ms. */
  emittedAt: z.number().int(),
});

export type TrendingRecord = z.infer<typeof TrendingRecordSchema>;

/** The category key of the overall ranking. */
export const ALL_CATEGORIES = 'all';
