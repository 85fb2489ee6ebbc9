/**
 * Serdes turn a record's bytes into typed values and back. Decoding never throws: a record that
 * cannot be decoded comes back with a reason code and the detail, which is what the dead-letter
 * queue records. Nothing here is Kafka's: a job declares its serdes through the public API.
 */
import type * as z from 'zod';

/**
 * The outcome of decoding one record. A failure is `decode` when the bytes are not a value at all
 * (empty, not UTF-8, not JSON) and `schema` when they are one the schema does not accept.
 */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: 'decode' | 'schema'; detail: string };

/** Encodes values to bytes and decodes bytes to values. */
export interface Serde<T> {
  /** Decodes a record value; never throws. */
  decode(value: Buffer | null): Decoded<T>;
  encode(value: T): Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A record without a value (a tombstone): nothing to decode. */
const NO_VALUE = { ok: false, reason: 'decode', detail: 'empty: record has no value' } as const;

/** Formats the first zod issue as `path: message`, the form DLQ reasons and CLI errors use. */
export function describeZodIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${path}: ${issue.message}`;
}

/**
 * Options of {@link jsonSerde}.
 *
 * @example
 * const serde = jsonSerde(WatchEventSchema, { fastDecode: decodePlainWatchEvent }); // jobs/shared/watch-event-decoder.ts
 */
export interface JsonSerdeOptions<T> {
  /**
   * A faster decoder for the usual form of the bytes (a hand-written scanner for one record shape).
   * It returns the value only where the full path (strict UTF-8, `JSON.parse`, the schema) would
   * return an equal value, fields in the same order, and `undefined` for anything else: those bytes
   * then take the full path, so the schema still decides every rejection and names its field.
   */
  fastDecode?: (value: Buffer) => T | undefined;
}

/**
 * A JSON serde validated by a zod schema: strict UTF-8, then `JSON.parse`, then `schema.safeParse`
 * (after `fastDecode`, when given, passed on the bytes).
 *
 * @example
 * const serde = jsonSerde(WatchEventSchema);
 * const r = serde.decode(Buffer.from('{"eventId":…}'));
 * if (!r.ok) console.log(r.reason, r.detail); // e.g. schema watchSeconds: Invalid input: expected number, received string
 */
export function jsonSerde<S extends z.ZodType>(schema: S, options: JsonSerdeOptions<z.output<S>> = {}): Serde<z.output<S>> {
  const { fastDecode } = options;
  return {
    decode(value) {
      if (value === null) return NO_VALUE;
      if (fastDecode) {
        const fast = fastDecode(value);
        if (fast !== undefined) return { ok: true, value: fast };
      }
      let text: string;
      try {
        text = utf8.decode(value);
      } catch {
        return { ok: false, reason: 'decode', detail: 'encoding: value is not valid UTF-8' };
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        return { ok: false, reason: 'decode', detail: `json: ${(e as Error).message}` };
      }
      const parsed = schema.safeParse(json);
      return parsed.success
        ? { ok: true, value: parsed.data }
        : { ok: false, reason: 'schema', detail: describeZodIssue(parsed.error) };
    },
    encode(value) {
      return Buffer.from(JSON.stringify(value), 'utf8');
    },
  };
}

/** Passes raw bytes through (for tools that only count or copy records). */
export const bytesSerde: Serde<Buffer> = {
  decode: (value) => (value === null ? NO_VALUE : { ok: true, value }),
  encode: (value) => value,
};
