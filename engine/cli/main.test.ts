/**
 * `eddy` with a mistyped command, action or flag: exit 2 and one line on stderr that names the
 * nearest known word when there is one near enough, for every command and each of its flags' typos.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from './commands.js';
import { main } from './main.js';

let stderr: string[] = [];
beforeEach(() => {
  stderr = [];
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void stderr.push(String(line)));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** `eddy <argv>`: its exit code and what it printed on stderr. */
async function eddy(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const code = await main(argv);
  return { code, stderr: stderr.join('\n') };
}

/** What comes before a command's flags: its action, or a job (by the path of its sources, as tests run them). */
const JOB = join(import.meta.dirname, '..', '..', 'jobs', 'content-popularity', 'job.ts');
const BEFORE_FLAGS: Record<string, string[]> = { kafka: ['start'], cluster: ['start'], run: [JOB], plan: [JOB], submit: [JOB] };

/** A typo: the first two different neighbouring letters from the middle on swapped (`paralellism`). */
const swapped = (word: string): string => {
  let i = Math.floor(word.length / 2) - 1;
  while (word[i] === word[i + 1]) i = (i + 1) % (word.length - 1);
  return `${word.slice(0, i)}${word[i + 1]}${word[i]}${word.slice(i + 2)}`;
};

describe('did you mean', () => {
  it.each([
    [['plna', 'x'], "eddy: unknown command 'plna'. Did you mean 'plan'? Run 'eddy --help' for the list."],
    [['kafak'], "eddy: unknown command 'kafak'. Did you mean 'kafka'? Run 'eddy --help' for the list."],
    [['--versoin'], "eddy: unknown command '--versoin'. Did you mean '--version'? Run 'eddy --help' for the list."],
    [['deploy'], "eddy: unknown command 'deploy'. Run 'eddy --help' for the list."],
    [['kafka', 'strat'], "eddy kafka: unknown action 'strat': did you mean 'start'? (expected start, stop or status)"],
    [['kafka', 'stauts'], "eddy kafka: unknown action 'stauts': did you mean 'status'? (expected start, stop or status)"],
    [['kafka', 'reboot'], "eddy kafka: unknown action 'reboot' (expected start, stop or status)"],
    [['cluster', 'strat'], "eddy cluster: unknown action 'strat': did you mean 'start'? (expected 'eddy cluster start')"],
    [['cluster', 'run'], "eddy cluster: unknown action 'run' (expected 'eddy cluster start')"],
  ])('eddy %j', async (argv, message) => {
    expect(await eddy(...argv)).toEqual({ code: 2, stderr: message });
  });

  const flags = COMMANDS.flatMap((c) => Object.keys(c.flags).filter((f) => f.length >= 4).map((f) => [c.name, f] as const));
  it('covers the flags of every command that has flags', () => {
    expect(new Set(flags.map(([name]) => name))).toEqual(new Set(COMMANDS.filter((c) => Object.keys(c.flags).some((f) => f.length >= 4)).map((c) => c.name)));
    expect(flags.length).toBeGreaterThan(40);
  });

  it.each(flags)('eddy %s --%s, mistyped', async (name, flag) => {
    const typo = swapped(flag);
    const r = await eddy(name, ...(BEFORE_FLAGS[name] ?? []), `--${typo}`, 'x');
    expect(r).toEqual({ code: 2, stderr: `eddy ${name}: Unknown option '--${typo}': did you mean '--${flag}'?` });
  });

  it('names no flag when none is near', async () => {
    expect(await eddy('generate', '--colour', 'red')).toEqual({ code: 2, stderr: "eddy generate: Unknown option '--colour'" });
  });
});
