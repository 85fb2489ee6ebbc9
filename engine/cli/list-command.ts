/** `eddy list`: the job manager's jobs, newest last. */
import * as z from 'zod';
import { clientCommand } from './client-command.js';

interface JobSummary {
  id: string;
  job: string;
  state: string;
  startedAt: number;
  endedAt: number | null;
}

export const listCommand = clientCommand({
  name: 'list',
  summary: "list the job manager's jobs",
  usage: `Usage: eddy list [--json]

Lists the jobs the job manager ('eddy cluster start') has started: id, job, state, start time.

Options:
  --json               print the job manager's JSON answer instead of a table
`,
  positionals: 0,
  flags: { json: { type: 'boolean' } },
  schema: z.strictObject({ json: z.boolean().default(false) }),
  async run(client, options) {
    const { jobs } = await client.request<{ jobs: JobSummary[] }>('GET', '/v1/jobs');
    if (options.json) {
      console.log(JSON.stringify({ jobs }, null, 2));
      return 0;
    }
    if (jobs.length === 0) {
      console.error('no jobs');
      return 0;
    }
    const rows = jobs.map((j) => [j.id, j.job, j.state, new Date(j.startedAt).toISOString()]);
    const widths = [0, 1, 2].map((i) => Math.max(...[['ID', 'JOB', 'STATE'][i]!, ...rows.map((r) => r[i]!)].map((c) => c.length)));
    for (const row of [['ID', 'JOB', 'STATE', 'STARTED'], ...rows]) console.log(row.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  '));
    return 0;
  },
});
