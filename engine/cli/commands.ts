/** Every `eddy` subcommand, in the order `eddy --help` lists them. */
import { cancelCommand } from './cancel-command.js';
import { clusterCommand } from './cluster-command.js';
import type { Command } from './command.js';
import { demoCommand } from './demo-command.js';
import { generateCommand } from './generate-command.js';
import { initCommand } from './init-command.js';
import { jobsCommand } from './jobs-command.js';
import { kafkaCommand } from './kafka-command.js';
import { listCommand } from './list-command.js';
import { planCommand } from './plan-command.js';
import { runCommand } from './run-command.js';
import { savepointCommand } from './savepoint-command.js';
import { statusCommand } from './status-command.js';
import { stopCommand } from './stop-command.js';
import { submitCommand } from './submit-command.js';

export const COMMANDS: readonly Command[] = [
  runCommand, jobsCommand, planCommand, initCommand, generateCommand, kafkaCommand, demoCommand,
  // The job manager and its clients (engine/cluster/).
  clusterCommand, submitCommand, listCommand, statusCommand, cancelCommand, stopCommand, savepointCommand,
];
