/**
 * The jobs overview: every job with its state, uptime, parallelism, processes, restarts, records in
 * and out, and lag; refreshed every few seconds. Against a runner, its one job.
 */
import { consoleInfo, getJson, jobPath, RUNNER_JOB } from './api.js';
import { badge, fmtDuration, fmtNumber, h, table } from './dom.js';
import type { PageContext } from './page.js';
import type { JobRecord, LiveSample, RunStatus } from './types.js';

const REFRESH_MS = 3_000;
const LIVE = new Set(['running', 'stopping', 'cancelling']);

interface Row {
  id: string;
  job: string;
  state: string;
  startedAt: number;
  endedAt: number | null;
  status: RunStatus | null;
  live: LiveSample | null;
  processes: number | null;
}

/** A job's numbers from its runner, or nulls when it does not answer (starting, ended). */
async function rowOf(id: string, job: string, state: string, startedAt: number, endedAt: number | null, status: RunStatus | null): Promise<Row> {
  const live = LIVE.has(state) ? await getJson<LiveSample>(jobPath(id, 'live/latest')).catch(() => null) : null;
  const processes = LIVE.has(state) ? await getJson<{ processes: number }>(jobPath(id, 'processes')).then((p) => p.processes).catch(() => null) : null;
  return { id, job, state, startedAt, endedAt, status, live, processes };
}

async function rows(): Promise<Row[]> {
  const info = await consoleInfo();
  if (info.mode === 'runner') {
    const st = await getJson<RunStatus>('/v1/status');
    return [await rowOf(RUNNER_JOB, st.job, st.state, st.startedAt, null, st)];
  }
  const { jobs } = await getJson<{ jobs: { id: string; job: string; state: string; startedAt: number; endedAt: number | null }[] }>('/v1/jobs');
  return Promise.all(
    jobs.map(async (j) => {
      const rec = LIVE.has(j.state) ? await getJson<JobRecord>(jobPath(j.id, 'status')).catch(() => null) : null;
      return rowOf(j.id, j.job, j.state, j.startedAt, j.endedAt, rec?.runner ?? null);
    }),
  );
}

export async function overviewPage(ctx: PageContext): Promise<void> {
  const info = await consoleInfo();
  const body = h('div', {});
  ctx.root.append(
    h('h1', {}, info.mode === 'runner' ? `Job ${info.job}` : 'Jobs'),
    info.mode === 'cluster' && ctx.canAct ? h('div', { class: 'actions' }, h('a', { href: '#/submit' }, h('button', { class: 'primary' }, 'Submit a job…'))) : '',
    h('div', { class: 'card' }, body),
  );
  ctx.every(REFRESH_MS, async () => {
    const list = await rows();
    const now = Date.now();
    body.replaceChildren(
      list.length === 0
        ? h('p', { class: 'muted' }, 'No jobs yet.', info.mode === 'cluster' ? ' Submit one with a token, or with `eddy submit`.' : '')
        : table(
            ['Job', 'Id', 'State', 'Uptime', '#Parallelism', '#Processes', '#Restarts', '#Records in', '#Records out', '#Lag'],
            list.map((r) => [
              h('a', { href: `#/jobs/${r.id}` }, r.job),
              h('code', {}, r.id),
              badge(r.state),
              fmtDuration((r.endedAt ?? now) - r.startedAt),
              fmtNumber(r.status?.parallelism),
              fmtNumber(r.processes),
              fmtNumber(r.status?.restarts),
              fmtNumber(r.live?.recordsIn),
              fmtNumber(r.live?.recordsOut),
              fmtNumber(r.live?.lag),
            ]),
            { class: 'jobs' },
          ),
    );
  });
}
