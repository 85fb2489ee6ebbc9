import { buildJob } from '../api/job-definition.js';
import type { Command } from './command.js';
import { parseCommand } from './flags.js';
import { jobFlagSpec } from './job-flags.js';
import { resolveJob } from './job-registry.js';

const usage = `Usage: eddy plan <job> [job options]

Prints the job graph (plain JSON: nodes, their kinds, inputs and configuration) after validating it.
`;

export const planCommand: Command = {
  name: 'plan',
  summary: "print a job's graph as JSON",
  usage,
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h') {
      process.stdout.write(usage);
      return name === undefined ? 2 : 0;
    }
    const { def } = await resolveJob(name);
    const { options, help } = parseCommand(rest, jobFlagSpec(def.options), def.options);
    if (help) {
      process.stdout.write(usage);
      return 0;
    }
    console.log(JSON.stringify(buildJob(def, options).graph, null, 2));
    return 0;
  },
};
