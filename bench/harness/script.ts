import type * as z from 'zod';
import { kebab, parseCommand } from '../../engine/cli/flags.js';

/**
 * The entry point of a benchmark script: runs `main` with the command line when `node` was started
 * on `file`, then exits 0, or 1 after printing `label: message`.
 *
 * @example
 * runAsScript('recovery.js', 'bench:recovery', runRecoveryBench);
 */
export function runAsScript(file: string, label: string, main: (argv: string[]) => Promise<unknown>): void {
  if (!process.argv[1]?.endsWith(file)) return;
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: Error) => {
      console.error(`${label}: ${e.message}`);
      process.exit(1);
    },
  );
}

/**
 * A benchmark's options: one string flag per key of `schema` (`latencyRates` is `--latency-rates`),
 * validated by it. With `--help` (or `-h`) prints `usage` and returns undefined.
 *
 * @example
 * const o = benchOptions(argv, Options, USAGE);
 * if (!o) return undefined;
 */
export function benchOptions<S extends z.ZodObject>(argv: readonly string[], schema: S, usage: string): z.output<S> | undefined {
  const flags = Object.fromEntries(Object.keys(schema.shape).map((k) => [kebab(k), { type: 'string' }] as const));
  // Benchmarks take flags only: a stray EDDY_* variable must not change what a run measures.
  const { options, help } = parseCommand(argv, flags, schema, { command: 'bench', env: {} });
  if (help) {
    process.stdout.write(usage);
    return undefined;
  }
  return options;
}

/**
 * The command that reruns a benchmark, as results record it: `npm run <script>`, with `-- <flags>` only when there are any.
 *
 * @example
 * commandLine('bench:recovery', ['--engines', 'eddy']); // 'npm run bench:recovery -- --engines eddy'
 */
export function commandLine(script: string, argv: readonly string[]): string {
  return argv.length === 0 ? `npm run ${script}` : `npm run ${script} -- ${argv.join(' ')}`;
}
