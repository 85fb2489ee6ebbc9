/** The shape of an `eddy` subcommand. */
import type { FlagSpec } from './flags.js';

export interface Command {
  name: string;
  /** One line for `eddy --help`. */
  summary: string;
  /** The full `--help` text. */
  usage: string;
  /** Its own flags (a job's options aside), each also set by a variable (engine/config/flag-env.ts). */
  flags: FlagSpec;
  /** Runs the command; resolves to the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}
