/**
 * The watch event: what the generator produces and every job reads. Its zod schema lives here, once,
 * in `jobs/shared/` so jobs can import it (a job imports only the engine's public API, its own folder
 * and `jobs/shared/`).
 */
import * as z from 'zod';

/** The rule of every id field: 1 to 128 characters (the schema's, and the fast decoder's in watch-event-decoder.ts). */
export const isWatchEventId = (s: string): boolean => s.length >= 1 && s.length <= 128;

/** The rule of `watchSeconds`: a non-negative integer. */
export const isWatchSeconds = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

// One refinement per field instead of zod's chained checks (.min().max(), .int().nonnegative()):
// the same rules at a third of the cost.
const id = z.string().refine(isWatchEventId, 'expected 1 to 128 characters');
const count = z.number().refine(isWatchSeconds, 'expected a non-negative integer');

/**
 * A watch event. Unknown extra fields are dropped, not rejected, so producers can add fields without
 * sending every record to the dead-letter queue.
 *
 * @example
 * WatchEventSchema.parse(JSON.parse('{"eventId":"e-1","contentId":"c-000042","category":"movies","userId":"u-1","region":"IN-MH","device":"mobile","watchSeconds":37,"eventTime":1763800000123}'))
 */
export const WatchEventSchema = z.object({
  eventId: id,
  contentId: id,
  category: id,
  userId: id,
  region: id,
  device: id,
  /** Seconds watched in this event. */
  watchSeconds: count,
  /**
   * When the viewing happened: epoch milliseconds. Any number here: Eddy checks event times where
   * they enter a job (a time it cannot use is dead-lettered with reason `time`, docs/bad-input.md).
   */
  eventTime: z.number(),
});

export type WatchEvent = z.infer<typeof WatchEventSchema>;

/** The event as UTF-8 JSON with its fields in the documented order. */
export function encodeWatchEvent(e: WatchEvent): Buffer {
  return Buffer.from(
    `{"eventId":${JSON.stringify(e.eventId)},"contentId":${JSON.stringify(e.contentId)},"category":${JSON.stringify(e.category)},` +
      `"userId":${JSON.stringify(e.userId)},"region":${JSON.stringify(e.region)},"device":${JSON.stringify(e.device)},` +
      `"watchSeconds":${e.watchSeconds},"eventTime":${e.eventTime}}`,
    'utf8',
  );
}
