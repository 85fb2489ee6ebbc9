/**
 * Command-line flags → one validated options object. Every command declares its flags for
 * `node:util.parseArgs` and a zod schema; `--config FILE` (JSON) and `-D key=value` (dotted keys) are
 * merged underneath the explicit flags, and a validation error names the flag it came from.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type * as z from 'zod';
import { closest } from './did-you-mean.js';

/** An error the user caused; the CLI prints `eddy <command>: <message>` and exits 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

const COMMON_FLAGS: FlagSpec = {
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string' },
  D: { type: 'string', short: 'D', multiple: true },
};

/** `latencyRates` → `latency-rates`: a camelCase option's flag name. */
export const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Sets `obj[a][b][c] = value` for the dotted key `a.b.c`. */
function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = obj;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node = (typeof next === 'object' && next !== null ? next : (node[part] = {})) as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** `-D` values are JSON when they parse as JSON (numbers, booleans, arrays), else strings. */
function dValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface ParsedCommand<T> {
  options: T;
  positionals: string[];
  help: boolean;
}

/**
 * Parses argv against the flag spec, merges `--config` and `-D`, then validates with the schema.
 * Flag values stay strings; the schema coerces them (numbers, durations, rates).
 *
 * @example
 * const { options } = parseCommand(argv, { rate: { type: 'string' } }, z.object({ rate: ratePerSecond }));
 */
export function parseCommand<S extends z.ZodType>(
  argv: readonly string[],
  flags: FlagSpec,
  schema: S,
  opts: { positionals?: number } = {},
): ParsedCommand<z.output<S>> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...COMMON_FLAGS, ...flags }, allowPositionals: true, strict: true });
  } catch (e) {
    // node:util explains itself over several lines; the first one names the flag.
    const first = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    const unknown = /^Unknown option '--([^']+)'/.exec(first)?.[1];
    const guess = unknown === undefined ? undefined : closest(unknown, Object.keys({ ...COMMON_FLAGS, ...flags }));
    throw new CliError(guess ? `${first}: did you mean '--${guess}'?` : first);
  }
  const { help, config, D, ...explicit } = parsed.values as Record<string, unknown>;
  if (help) return { options: undefined as never, positionals: parsed.positionals, help: true };
  if (parsed.positionals.length > (opts.positionals ?? 0)) {
    throw new CliError(`unexpected argument '${parsed.positionals[opts.positionals ?? 0]}'`);
  }

  const merged: Record<string, unknown> = {};
  if (typeof config === 'string') {
    let fileValues: unknown;
    try {
      fileValues = JSON.parse(readFileSync(config, 'utf8'));
    } catch (e) {
      throw new CliError(`--config: cannot read ${config} as JSON: ${(e as Error).message}`);
    }
    if (typeof fileValues !== 'object' || fileValues === null || Array.isArray(fileValues)) {
      throw new CliError(`--config: ${config} must hold a JSON object`);
    }
    Object.assign(merged, fileValues);
  }
  for (const kv of (D as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError(`-D: expected key=value, got '${kv}'`);
    setPath(merged, kv.slice(0, eq).split('.').map(camel).join('.'), dValue(kv.slice(eq + 1)));
  }
  for (const [k, v] of Object.entries(explicit)) merged[camel(k)] = v;

  const result = schema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const [head, ...rest] = issue.path.map(String);
    const where = head === undefined ? 'options' : head in flagsByCamel(flags) && rest.length === 0 ? `--${kebab(head)}` : issue.path.join('.');
    const message = issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}` : issue.message;
    throw new CliError(`${where}: ${message}`);
  }
  return { options: result.data, positionals: parsed.positionals, help: false };
}

function flagsByCamel(flags: FlagSpec): Record<string, true> {
  return Object.fromEntries(Object.keys(flags).map((k) => [camel(k), true]));
}
