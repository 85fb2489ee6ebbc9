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
