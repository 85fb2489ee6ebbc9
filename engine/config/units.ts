/**
 * Units that users type on the command line and in config files: durations (`500ms`, `30s`, `10m`,
 * `1h`) and rates (`20000/min`, `500/s`). Parsed here once, so every command reads them the same way.
 */
import * as z from 'zod';

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const RATE_UNITS_PER_S = { s: 1, sec: 1, min: 1 / 60, m: 1 / 60, h: 1 / 3600 } as const;

/**
 * Parses a duration such as `500ms`, `30s`, `10m`, `1h` or `1d` into milliseconds.
 * A bare number is milliseconds. Returns `undefined` when the text is not a duration.
 *
 * @example
 * parseDuration('10m') // 600000
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? 'ms') as keyof typeof DURATION_UNITS_MS;
  return Math.round(Number(m[1]) * DURATION_UNITS_MS[unit]);
}

/**
 * Parses a rate such as `20000/min`, `500/s` or `3600/h` into events per second.
 *
 * @example
 * parseRate('20000/min') // 333.33…
 */
export function parseRate(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|sec|min|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  const perSecond = Number(m[1]) * RATE_UNITS_PER_S[m[2] as keyof typeof RATE_UNITS_PER_S];
  return perSecond > 0 ? perSecond : undefined;
}

/** Formats milliseconds the way users type them (`90s` → `1m30s` is not attempted: largest exact unit). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** zod schema: a duration string (or a number of milliseconds) → milliseconds. */
export const durationMs = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 500ms, 30s, 10m or 1h, got '${v}'` });
    return z.NEVER;
  }
  return ms;
});

/** zod schema: a rate string (`20000/min`, `500/s`) → events per second. */
export const ratePerSecond = z.string().transform((v, ctx) => {
  const r = parseRate(v);
  if (r === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a positive rate like 20000/min or 500/s, got '${v}'` });
    return z.NEVER;
  }
  return r;
});

/**
 * zod schema: a number given as a flag string or a JSON number, with an error that quotes the input.
 *
 * @example
 * numberFlag((n) => n.int().min(1)).parse('8') // 8
 */
export function numberFlag<T extends z.ZodType<number>>(refine: (n: z.ZodNumber) => T = (n) => n as unknown as T) {
  const toNumber = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
  return z.preprocess(toNumber, refine(
      z.number({
        error: (issue) =>
          issue.code === 'invalid_type' ? `expected ${issue.expected === 'int' ? 'an integer' : 'a number'}, got '${String(issue.input)}'` : undefined,
      }),
    ));
}
