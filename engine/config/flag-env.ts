/**
 * The naming rule for environment variables that set command-line flags, kept in one place so the
 * CLI that reads them and the job manager that keeps its own out of its runners agree:
 *
 * - `EDDY_<COMMAND>_<FLAG>` sets `--<flag>` of `eddy <command>` (`EDDY_KAFKA_PORT`, `EDDY_CLUSTER_PORT`,
 *   `EDDY_RUN_INPUT_TOPIC`): the flag's long name upper-cased, `-` as `_`. Command names hold no `_`,
 *   so two commands never share a variable.
 * - `EDDY_<FLAG>` for the few flags in SHARED_FLAGS only, which mean the same thing in every command
 *   that has them (`EDDY_BROKERS`); the command's own variable wins over it.
 *
 * Any other `EDDY_*` variable (`EDDY_HOME`, `EDDY_TOKEN`, `EDDY_API_TOKEN`, ...) is not a flag.
 */

/** Flags whose `EDDY_<FLAG>` variable every command that has the flag reads. */
export const SHARED_FLAGS: readonly string[] = ['brokers', 'url', 'token-file'];

/**
 * Eddy's variables that are not flags, read where they are used (docs/cli.md says what each is).
 * No flag may map to one of them, and the CLI does not warn about them as mistyped flags.
 */
export const OTHER_VARIABLES: readonly string[] = ['EDDY_HOME', 'EDDY_TOKEN', 'EDDY_API_TOKEN', 'EDDY_CONFLUENT_DIR', 'EDDY_KAFKA_HEAP'];

/** `token-file` → `TOKEN_FILE`. */
const upper = (name: string): string => name.replace(/-/g, '_').toUpperCase();

/** `run` → `EDDY_RUN_`: what every variable of the command's own flags starts with. */
export const commandPrefix = (command: string): string => `EDDY_${upper(command)}_`;

/**
 * The variables that set `--<flag>` of `eddy <command>`, the one that wins first.
 *
 * @example
 * flagVariables('run', 'brokers') // ['EDDY_RUN_BROKERS', 'EDDY_BROKERS']
 * flagVariables('kafka', 'port')  // ['EDDY_KAFKA_PORT']
 */
export function flagVariables(command: string, flag: string): string[] {
  const own = `${commandPrefix(command)}${upper(flag)}`;
  return SHARED_FLAGS.includes(flag) ? [own, `EDDY_${upper(flag)}`] : [own];
}

/**
 * The environment without any variable that would set a flag of `eddy <command>`: for a child
 * whose options are all given otherwise (the job manager's runners get theirs in a `--config`
 * file, which such a variable would override).
 *
 * @example
 * withoutFlagVariables({ EDDY_RUN_TOP: '3', EDDY_BROKERS: 'k:9092', EDDY_HOME: '/srv' }, 'run') // { EDDY_HOME: '/srv' }
 */
export function withoutFlagVariables(env: NodeJS.ProcessEnv, command: string): NodeJS.ProcessEnv {
  const prefix = commandPrefix(command);
  const shared = new Set(SHARED_FLAGS.map((f) => `EDDY_${upper(f)}`));
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith(prefix) && !shared.has(k)));
}
