import type { Command } from './command.js';
import { jobModulePath, jobNames, resolveJob } from './job-registry.js';

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'list the jobs that ship with Eddy',
  usage: 'Usage: eddy jobs\n\nLists the jobs in jobs/ with their descriptions.\n',
  async run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(this.usage);
      return 0;
    }
    for (const name of jobNames()) {
      const { def } = await resolveJob(name);
      console.log(`${name.padEnd(24)} ${def.description}  (${jobModulePath(name)})`);
    }
    return 0;
  },
};
