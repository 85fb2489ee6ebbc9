/**
 * The `eddy` command line: finds the subcommand (one per file, listed in commands.ts) and runs it;
 * bin entry point in eddy.ts.
 */
import { readFileSync } from 'node:fs';
import { BrokerSetupError } from '../../deploy/local/broker-jars.js';
import { COMMANDS as commands } from './commands.js';
import { closest } from './did-you-mean.js';
import { CliError } from './flags.js';

/** The package's version (package.json two folders above the compiled engine/cli). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: eddy <command> [options]    (eddy --version: the version)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'eddy <command> --help' for a command's options. Any flag can also be set by a variable,",
    'EDDY_<COMMAND>_<FLAG> (EDDY_KAFKA_PORT=9093), and --brokers, --url, --token-file by EDDY_<FLAG>',
    '(docs/cli.md).',
    '',
  ].join('\n');
}

/**
 * Runs `eddy <argv>`: the command's exit code. Usage errors (an unknown command, with the nearest
 * one; a bad flag, from the command) are one line on stderr and exit 2.
 *
 * @example
 * process.exit(await main(process.argv.slice(2)));
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`eddy ${version()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const guess = closest(name, [...commands.map((c) => c.name), '--help', '--version']);
    console.error(`eddy: unknown command '${name}'.${guess ? ` Did you mean '${guess}'?` : ''} Run 'eddy --help' for the list.`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof CliError || e instanceof BrokerSetupError) {
      console.error(`eddy ${name}: ${e.message}`);
      return 2;
    }
    console.error(`eddy ${name}: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}
