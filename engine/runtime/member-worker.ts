/**
 * The entry of a member thread (a long-lived piscina task): loads the job by path, runs one group
 * member until the runner says stop or, bounded, until the job has finished.
 */
import { buildJob, loadJob } from '../api/job-definition.js';
import { runMember } from './member.js';
import type { FromMember, MemberStart, MemberStats, ToMember } from './protocol.js';

export default async function memberWorker(start: MemberStart): Promise<MemberStats> {
  const { port } = start;
  const abort = new AbortController();
  port.on('message', (m: ToMember) => m.type === 'stop' && abort.abort());
  const post = (m: FromMember): void => port.postMessage(m);
  try {
    const { jobModule, jobOptions, port: _port, ...member } = start;
    return await runMember({ ...member, job: buildJob(await loadJob(jobModule), jobOptions), log: (line) => post({ type: 'log', line }), signal: abort.signal });
  } finally {
    port.close();
  }
}
