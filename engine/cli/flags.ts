/**
 * Command-line flags → one validated options object. Every command declares its flags for
 * `node:util.parseArgs` and a zod schema. Four layers are merged, each over the one before: the
 * `--config FILE` (JSON), `-D key=value` (dotted keys), environment variables (the naming rule is in
 * engine/config/flag-env.ts) and the explicit flags; a validation error names the flag or variable
 * the value came from.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type * as z from 'zod';
import { commandPrefix, flagVariables, OTHER_VARIABLES } from '../config/flag-env.js';
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
/** Flags no variable sets: asking for help, and -D (which has its own dotted keys). */
const NOT_FROM_ENV = new Set(['help', 'D']);

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

/** A boolean flag's variable: `true`/`false`, `1`/`0` or `yes`/`no`. */
function envBoolean(name: string, text: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new CliError(`${name}: expected true or false (or 1, 0, yes, no), got '${text}'`);
}

/**
 * The variables set for the command's flags (camelCase key → value and variable name). Empty
 * values count as unset, as a ConfigMap or `FOO= eddy ...` leaves them.
 */
function envLayer(command: string, flags: FlagSpec, env: NodeJS.ProcessEnv): Map<string, { value: string | boolean; variable: string }> {
  const found = new Map<string, { value: string | boolean; variable: string }>();
  for (const [flag, spec] of Object.entries(flags)) {
    if (NOT_FROM_ENV.has(flag)) continue;
    const variable = flagVariables(command, flag).find((v) => (env[v] ?? '') !== '');
    if (variable === undefined) continue;
    const text = env[variable]!;
    found.set(camel(flag), { value: spec.type === 'boolean' ? envBoolean(variable, text) : text, variable });
  }
  return found;
}

/**
 * Every variable `parseCommand` reads for a command with these flags (`--config` and shared names
 * included), and the variables that are not flags: what may be set for it.
 *
 * @example
 * commandVariables('generate', { rate: { type: 'string' } }) // includes EDDY_GENERATE_RATE, EDDY_GENERATE_CONFIG, EDDY_HOME
 */
export function commandVariables(command: string, flags: FlagSpec): Set<string> {
  const own = Object.keys({ ...COMMON_FLAGS, ...flags }).filter((f) => !NOT_FROM_ENV.has(f)).flatMap((f) => flagVariables(command, f));
  return new Set([...own, ...OTHER_VARIABLES]);
}

/** `EDDY_<COMMAND>_*` variables that set no flag of the command: most likely mistyped. */
function strayVariables(command: string, flags: FlagSpec, env: NodeJS.ProcessEnv): string[] {
  const prefix = commandPrefix(command);
  const known = new Map(Object.keys(flags).filter((f) => !NOT_FROM_ENV.has(f)).map((f) => [flagVariables(command, f)[0]!, f]));
  return Object.keys(env)
    .filter((v) => v.startsWith(prefix) && !known.has(v) && !OTHER_VARIABLES.includes(v) && env[v] !== '')
    .map((v) => {
      const guess = closest(v, [...known.keys()]);
      return `eddy ${command}: warning: ${v} sets no flag of 'eddy ${command}'${guess ? ` (did you mean ${guess}?)` : ''}`;
    });
}

export interface ParsedCommand<T> {
  options: T;
  positionals: string[];
  help: boolean;
  /** Where an option came from, for error messages: `--top`, `EDDY_RUN_TOP`, or its dotted key. */
  where(path: readonly PropertyKey[]): string;
}

export interface ParseOptions {
  /** The command whose `EDDY_<COMMAND>_<FLAG>` variables are read (`kafka` for `eddy kafka start`). */
  command: string;
  /** How many positionals the command takes (default none). */
  positionals?: number;
  /** Where the variables are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Where warnings go (a variable that sets no flag); default stderr. */
  warn?: (line: string) => void;
}

/**
 * Parses argv against the flag spec, merges `--config`, `-D` and the environment under it, then
 * validates with the schema. Flag and variable values stay strings (booleans aside); the schema
 * coerces them (numbers, durations, rates).
 *
 * @example
 * const { options } = parseCommand(argv, { rate: { type: 'string' } }, z.object({ rate: ratePerSecond }), { command: 'generate' });
 * // `--rate 500/s` > `EDDY_GENERATE_RATE=500/s` > `-D rate=500/s` > `{"rate": "500/s"}` in --config
 */
export function parseCommand<S extends z.ZodType>(argv: readonly string[], flags: FlagSpec, schema: S, opts: ParseOptions): ParsedCommand<z.output<S>> {
  const all = { ...COMMON_FLAGS, ...flags };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: all, allowPositionals: true, strict: true });
  } catch (e) {
    // node:util explains itself over several lines; the first one names the flag.
    const first = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    const unknown = /^Unknown option '--([^']+)'/.exec(first)?.[1];
    const guess = unknown === undefined ? undefined : closest(unknown, Object.keys(all));
    throw new CliError(guess ? `${first}: did you mean '--${guess}'?` : first);
  }
  const { help, config, D, ...explicit } = parsed.values as Record<string, unknown>;
  if (help) return { options: undefined as never, positionals: parsed.positionals, help: true, where: (path) => path.join('.') };
  const env = opts.env ?? process.env;
  const fromEnv = envLayer(opts.command, all, env);
  const given = new Set(Object.keys(explicit).map(camel));
  const where = (path: readonly PropertyKey[]): string => {
    const [head, ...rest] = path.map(String);
    if (head === undefined) return 'options';
    if (rest.length > 0 || !(head in flagsByCamel(all))) return path.join('.');
    return given.has(head) || !fromEnv.has(head) ? `--${kebab(head)}` : fromEnv.get(head)!.variable;
  };
  if (parsed.positionals.length > (opts.positionals ?? 0)) {
    throw new CliError(`unexpected argument '${parsed.positionals[opts.positionals ?? 0]}'`);
  }
  for (const line of strayVariables(opts.command, all, env)) (opts.warn ?? console.error)(line);

  const merged: Record<string, unknown> = {};
  const configFile = typeof config === 'string' ? config : (fromEnv.get('config')?.value as string | undefined);
  if (configFile !== undefined) Object.assign(merged, readConfig(configFile, typeof config === 'string' ? '--config' : fromEnv.get('config')!.variable));
  fromEnv.delete('config'); // a file, not an option
  for (const kv of (D as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError(`-D: expected key=value, got '${kv}'`);
    setPath(merged, kv.slice(0, eq).split('.').map(camel).join('.'), dValue(kv.slice(eq + 1)));
  }
  for (const [k, { value }] of fromEnv) merged[k] = value;
  for (const [k, v] of Object.entries(explicit)) merged[camel(k)] = v;

  const result = schema.safeParse(merged);
  if (!result.success) throw issueError(result.error, where);
  return { options: result.data, positionals: parsed.positionals, help: false, where };
}

/**
 * A zod error as the CLI reports it: its first issue, prefixed by where the value came from.
 *
 * @example
 * const r = def.options.safeParse(jobInput);
 * if (!r.success) throw issueError(r.error, parsed.where);
 */
export function issueError(error: z.ZodError, where: (path: readonly PropertyKey[]) => string): CliError {
  const issue = error.issues[0]!;
  const message = issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}` : issue.message;
  return new CliError(`${where(issue.path)}: ${message}`);
}

function readConfig(file: string, flag: string): Record<string, unknown> {
  let values: unknown;
  try {
    values = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${flag}: cannot read ${file} as JSON: ${(e as Error).message}`);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new CliError(`${flag}: ${file} must hold a JSON object`);
  return values as Record<string, unknown>;
}

function flagsByCamel(flags: FlagSpec): Record<string, true> {
  return Object.fromEntries(Object.keys(flags).map((k) => [camel(k), true]));
}
