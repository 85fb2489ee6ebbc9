/** `eddy status <id>`: the job manager's record of a job, with its runner's own status while it runs. */
import * as z from 'zod';
import { clientCommand } from './client-command.js';

/** The job manager's answer to `GET /v1/jobs/:id` (what `--json` prints as is). */
interface JobStatus {
  id: string;
  job: string;
  state: string;
  pid: number | null;
  startedAt: number;
  endedAt: number | null;
  exitCode: number | null;
  signal: string | null;
  failure: string | null;
  url: string | null;
  log: string;
  savepoints: { path: string }[];
  runner: { records?: number; restarts?: number; checkpoints?: { completed?: number } } | null;
}

const time = (ms: number): string => new Date(ms).toISOString();

/** The record as aligned lines; what is unknown or does not apply is left out. */
function formatStatus(s: JobStatus): string {
  const rows: [string, string | undefined][] = [
    ['job', `${s.id} (${s.job})`],
    ['state', s.state],
    ['pid', s.pid === null ? undefined : String(s.pid)],
    ['started', time(s.startedAt)],
    ['ended', s.endedAt === null ? undefined : `${time(s.endedAt)}, ${s.signal ? `signal ${s.signal}` : `exit code ${s.exitCode}`}`],
    ['failure', s.failure ?? undefined],
    ['url', s.url ?? undefined],
    ['runner', s.runner ? `${s.runner.records ?? 0} records, ${s.runner.restarts ?? 0} restarts, ${s.runner.checkpoints?.completed ?? 0} checkpoints` : undefined],
    ['savepoints', s.savepoints.length === 0 ? undefined : s.savepoints.map((p) => p.path).join(', ')],
    ['log', s.log],
  ];
  return rows.flatMap(([k, v]) => (v === undefined ? [] : [`${k.padEnd(11)} ${v}`])).join('\n');
}

export const statusCommand = clientCommand({
  name: 'status',
  summary: "print a job's state, savepoints and runner status",
  usage: `Usage: eddy status <id> [--json]

Prints what the job manager knows of the job (state, pid, exit code, failure, log file,
savepoints) and, while it runs, the runner's own status (records, restarts, checkpoints).

Options:
  --json               print the job manager's record as JSON, with the job's options, its run
                       summary once ended, and the runner's whole /v1/status
`,
  positionals: 1,
  flags: { json: { type: 'boolean' } },
  schema: z.strictObject({ json: z.boolean().default(false) }),
  async run(client, options, [id]) {
    const status = await client.request<JobStatus>('GET', `/v1/jobs/${encodeURIComponent(id!)}`);
    console.log(options.json ? JSON.stringify(status, null, 2) : formatStatus(status));
    return 0;
  },
});
