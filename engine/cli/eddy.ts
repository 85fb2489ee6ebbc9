#!/usr/bin/env node
/**
 * The `eddy` command line: one entry point, one subcommand per file.
 */
import { BrokerSetupError } from '../../deploy/local/broker-jars.js';
import { cancelCommand } from './cancel-command.js';
import { clusterCommand } from './cluster-command.js';
import type { Command } from './command.js';
import { demoCommand } from './demo-command.js';
import { CliError } from './flags.js';
import { generateCommand } from './generate-command.js';
import { jobsCommand } from './jobs-command.js';
import { kafkaCommand } from './kafka-command.js';
import { listCommand } from './list-command.js';
import { planCommand } from './plan-command.js';
import { runCommand } from './run-command.js';
import { savepointCommand } from './savepoint-command.js';
import { statusCommand } from './status-command.js';
import { stopCommand } from './stop-command.js';
import { submitCommand } from './submit-command.js';

// The job manager and its client commands (engine/cluster/).
const clusterCommands: readonly Command[] = [clusterCommand, submitCommand, listCommand, statusCommand, cancelCommand, stopCommand, savepointCommand];
const commands: readonly Command[] = [runCommand, jobsCommand, planCommand, generateCommand, kafkaCommand, demoCommand, ...clusterCommands];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: eddy <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'eddy <command> --help' for a command's options.",
    '',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`eddy: unknown command '${name}'. Run 'eddy --help' for the list.`);
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

process.exitCode = await main(process.argv.slice(2));
