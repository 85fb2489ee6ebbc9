/**
 * Every command's `--help` against its definitions: each flag whose option has a default in the
 * schema the command validates it with (a job's options schema for job options) shows that default
 * as `(default X)` (or, among choices, `X (default)`), and X given as the flag's value is that default. Boolean flags, off unless
 * given, are left out; a default that differs on every run (a random seed) must be shown, in words.
 * The schemas are the ones the commands hand to `parseCommand`, caught on their way in.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import type { FlagSpec } from './flags.js';

const seen = vi.hoisted(() => [] as { flags: FlagSpec; schema: z.ZodType }[]);
vi.mock(import('./flags.js'), async (importOriginal) => {
  const real = await importOriginal();
  const parseCommand: typeof real.parseCommand = (argv, flags, schema, opts) => {
    seen.push({ flags, schema });
    return real.parseCommand(argv, flags, schema, opts);
  };
  return { ...real, parseCommand };
});
const { COMMANDS } = await import('./commands.js');
const { loadJob } = await import('../api/job-definition.js');

/** The arguments before `--help` that reach a command's full help (its action, its job). */
const BEFORE_HELP: Record<string, string[]> = { kafka: ['start'], cluster: ['start'] };
const JOB_COMMANDS = new Set(['run', 'plan', 'submit']);
const JOBS_DIR = join(import.meta.dirname, '..', '..', 'jobs');
/** The shipped jobs by the path of their sources (from sources, `eddy jobs` finds none: it lists compiled ones). */
const JOB_PATHS = readdirSync(JOBS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && readdirSync(join(JOBS_DIR, d.name)).includes('job.ts'))
  .map((d) => join(JOBS_DIR, d.name, 'job.ts'));

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** An object schema's fields, through the refinements and transforms around it. */
function fieldsOf(schema: z.ZodType): Record<string, z.ZodType> {
  if (schema instanceof z.ZodObject) return schema.shape as Record<string, z.ZodType>;
  return schema instanceof z.ZodPipe ? fieldsOf(schema.in as z.ZodType) : {};
}

/** The default the help shows for a flag, in its line or the indented lines that go on with it. */
function shownDefault(help: string, flag: string): string | undefined {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s+--${flag}(?![\\w-])`).test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && !/^\s{4,}[^\s-]/.test(l));
  const entry = lines.slice(start, end < 0 ? undefined : end).join(' ').replace(/\s+/g, ' ');
  // `(default 9092; …)`, `(default: random)`, or a choice marked: `rocksdb (default) or memory`.
  return (/\(default:? ([^;)]*)/.exec(entry) ?? /([^\s,(]+),? \(default[;)]/.exec(entry))?.[1]?.trim();
}

/** The flags of one help text whose schema default it does not show, or shows wrong. */
function defaultProblems(help: string, flags: FlagSpec, schemas: z.ZodType[]): string[] {
  const problems: string[] = [];
  for (const [flag, spec] of Object.entries(flags)) {
    const key = camel(flag);
    const field = schemas.map(fieldsOf).find((f) => key in f)?.[key];
    const byDefault = field?.safeParse(undefined);
    if (!field || !byDefault?.success || byDefault.data === undefined) continue; // no default
    if (spec.type === 'boolean' && byDefault.data === false) continue;
    const shown = shownDefault(help, flag);
    if (shown === undefined) {
      problems.push(`--${flag}: no (default …), the default being ${JSON.stringify(byDefault.data)}`);
      continue;
    }
    if (!isDeepStrictEqual(field.safeParse(undefined).data, byDefault.data)) continue; // differs each time: in words
    const given = field.safeParse(shown);
    if (!given.success || !isDeepStrictEqual(given.data, byDefault.data)) problems.push(`--${flag}: shows (default ${shown}), the default being ${JSON.stringify(byDefault.data)}`);
  }
  return problems;
}

let out = '';
beforeEach(() => {
  seen.length = 0;
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** `eddy <name> <argv>` for its help: the text, and the flags and schema it parsed them with. */
async function help(name: string, argv: string[]): Promise<{ text: string; flags: FlagSpec; schema: z.ZodType }> {
  const command = COMMANDS.find((c) => c.name === name)!;
  expect(await command.run(argv), `eddy ${name} ${argv.join(' ')}`).toBe(0);
  expect(seen, `eddy ${name} ${argv.join(' ')} printed its help without parsing its flags`).toHaveLength(1);
  return { text: out, ...seen[0]! };
}

describe('--help', () => {
  it('finds the shipped jobs and every command', () => {
    expect(JOB_PATHS.length).toBeGreaterThanOrEqual(3);
    expect(COMMANDS.length).toBeGreaterThanOrEqual(14);
  });

  it.each(COMMANDS.filter((c) => !JOB_COMMANDS.has(c.name)).map((c) => c.name))('eddy %s shows every default of its options', async (name) => {
    const { text, flags, schema } = await help(name, [...(BEFORE_HELP[name] ?? []), '--help']);
    expect(defaultProblems(text, flags, [schema])).toEqual([]);
  });

  const withJobs = [...JOB_COMMANDS].flatMap((name) => JOB_PATHS.map((path) => [name, path] as const));
  it.each(withJobs)('eddy %s %s shows every default of its options and the job\'s', async (name, path) => {
    const job = await loadJob(path);
    const { text, flags, schema } = await help(name, [path, '--help']);
    expect(defaultProblems(text, flags, [schema, job.options])).toEqual([]);
  });

  it('tells a default shown from one left out or shown wrong', () => {
    const schema = z.object({ port: z.coerce.number().default(9092), window: z.string().default('1m'), seed: z.number().default(() => Math.random()), json: z.boolean().default(false) });
    const flags: FlagSpec = { port: { type: 'string' }, window: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' } };
    const text = (port: string, seed: string): string => `Options:\n  --port N    the port${port}\n  --window D  how long,\n              over lines (default 1m)\n  --seed N    ${seed}\n  --json      print JSON\n`;
    expect(defaultProblems(text(' (default 9092; N+1 too)', '(default: random)'), flags, [schema])).toEqual([]);
    expect(defaultProblems(text(': 9091, 9092 (default) or 9093', '(default: random)'), flags, [schema])).toEqual([]);
    expect(defaultProblems(text('', 'random'), flags, [schema])).toEqual(['--port: no (default …), the default being 9092', expect.stringMatching(/^--seed: no \(default …\)/)]);
    expect(defaultProblems(text(' (default 9093)', '(default: random)'), flags, [schema])).toEqual(['--port: shows (default 9093), the default being 9092']);
  });
});
