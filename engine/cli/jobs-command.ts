import * as z from 'zod';
import type { Command } from './command.js';
import { parseCommand } from './flags.js';
import { jobModulePath, jobNames, resolveJob } from './job-registry.js';

const usage = `Usage: eddy jobs [--json]

Lists the jobs in jobs/ with their descriptions.

Options:
  --json      print {"jobs": [{"name", "description", "module"}]}
`;

const flags = { json: { type: 'boolean' } } as const;

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'list the jobs that ship with Eddy',
  usage,
  flags,
  async run(argv) {
    const { options, help } = parseCommand(argv, flags, z.strictObject({ json: z.boolean().default(false) }), { command: 'jobs' });
    if (help) {
      process.stdout.write(usage);
      return 0;
    }
    const jobs = [];
    for (const name of jobNames()) jobs.push({ name, description: (await resolveJob(name)).def.description, module: jobModulePath(name) });
    if (options.json) console.log(JSON.stringify({ jobs }, null, 2));
    else for (const j of jobs) console.log(`${j.name.padEnd(24)} ${j.description}  (${j.module})`);
    return 0;
  },
};
