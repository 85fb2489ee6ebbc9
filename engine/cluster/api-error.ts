/**
 * Errors the job manager's REST API answers with: an HTTP status, a one-line message and, for a bad
 * body or query, the field at fault. Every error response is `{"error": "...", "field"?: "..."}`.
 */
import type * as z from 'zod';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  toJSON(): { error: string; field?: string } {
    return { error: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

/**
 * Validates a value with a zod schema, or throws a 400 naming the first field at fault, dotted and
 * prefixed (`options.window`), so a client can map it back to a flag.
 *
 * @example
 * const { directory } = parseOr400(z.strictObject({ directory: z.string() }), body);
 */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = [prefix, ...path.map(String)].filter((p) => p !== '').join('.') || prefix || 'body';
  const message = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}` : issue.message;
  throw new ApiError(400, `${field}: ${message}`, field);
}
