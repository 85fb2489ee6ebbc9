/** The shape of an `eddy` subcommand. */
export interface Command {
  name: string;
  /** One line for `eddy --help`. */
  summary: string;
  /** The full `--help` text. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}
