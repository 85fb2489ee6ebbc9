/**
 * A job's page: state and actions, the stage plan drawn, live charts and counts, the newest dead
 * letters with their reasons, checkpoint history and savepoints.
 */
import { consoleInfo, getJson, jobPath } from './api.js';
import { actionBar } from './actions.js';
import { badge, fmtBytes, fmtDuration, fmtNumber, fmtTime, h, table } from './dom.js';
import { liveCharts } from './live-charts.js';
import type { PageContext } from './page.js';
import { stageGraphCard } from './stage-graph.js';
import type { Checkpoint, DeadLetter, JobRecord, Plan, RunStatus, Savepoint } from './types.js';

const REFRESH_MS = 3_000;
const LIVE = new Set(['running', 'stopping', 'cancelling']);

interface JobView {
  job: string;
  state: string;
  startedAt: number;
  endedAt: number | null;
  failure: string | null;
  runner: RunStatus | null;
  savepoints: Savepoint[];
}

async function load(id: string, mode: 'runner' | 'cluster'): Promise<JobView> {
  if (mode === 'cluster') {
    const r = await getJson<JobRecord>(jobPath(id, 'status'));
    return { job: r.job, state: r.state, startedAt: r.startedAt, endedAt: r.endedAt, failure: r.failure, runner: r.runner, savepoints: r.savepoints };
  }
  const st = await getJson<RunStatus>('/v1/status');
  const { savepoints } = await getJson<{ savepoints: Savepoint[] }>('/v1/savepoints');
  return { job: st.job, state: st.state, startedAt: st.startedAt, endedAt: null, failure: null, runner: st, savepoints };
}

function section(title: string, ...content: (Node | string)[]): HTMLElement {
  return h('div', { class: 'card' }, h('h2', {}, title), ...content);
}

export async function jobPage(ctx: PageContext, [id]: string[]): Promise<void> {
  const info = await consoleInfo();
  const first = await load(id!, info.mode);
  const views = info.mode === 'runner' ? (info.views ?? []) : (await getJson<{ views: { name: string }[] }>(jobPath(id!, 'views'))).views;
  const head = h('div', { class: 'card' });
  const checkpoints = h('div', {});
  const deadLetters = h('div', {});
  const savepoints = h('div', {});
  ctx.root.append(
    h('h1', {}, `${first.job} `, h('code', { class: 'muted' }, info.mode === 'runner' ? `group ${info.groupId}` : id!), ' ', views.length > 0 ? h('a', { href: `#/jobs/${id}/results`, style: 'font-size:14px' }, 'results →') : null),
    head,
  );
  const planCard = h('div', {});
  if (LIVE.has(first.state)) ctx.root.append(planCard, liveCharts(ctx, id!));
  ctx.root.append(section('Newest dead letters', deadLetters), section('Checkpoints', checkpoints), section('Savepoints', savepoints));
  const actions = ctx.canAct && LIVE.has(first.state) ? actionBar(id!, info.mode) : null;
  ctx.every(REFRESH_MS, async () => {
    const v = await load(id!, info.mode).catch((e: Error) => (info.mode === 'runner' ? { ...first, state: 'ended', failure: `the runner does not answer: ${e.message}` } : Promise.reject(e)));
    const r = v.runner;
    head.replaceChildren(
      table(
        ['State', 'Uptime', '#Parallelism', '#Restarts', '#Records', '#Dead letters', '#Checkpoints', 'Last checkpoint'],
        [[badge(v.state), fmtDuration((v.endedAt ?? Date.now()) - v.startedAt), fmtNumber(r?.parallelism), fmtNumber(r?.restarts), fmtNumber(r?.records), fmtNumber(r?.deadLettered), r ? `${r.checkpoints.completed} ok, ${r.checkpoints.failed} failed` : '–', r?.checkpoints.last ? fmtTime(r.checkpoints.last.completedAt) : '–']],
      ),
      v.failure ? h('div', { class: 'error' }, v.failure) : '',
      actions && LIVE.has(v.state) ? actions : !ctx.canAct && LIVE.has(v.state) ? h('p', { class: 'muted read-only' }, 'Read-only: enter the API token above to stop, savepoint or cancel.') : '',
    );
    savepoints.replaceChildren(v.savepoints.length === 0 ? h('p', { class: 'muted' }, 'None taken yet.') : table(['Directory', '#Tasks', '#Size', 'Taken'], v.savepoints.map((sp) => [h('code', {}, sp.path), sp.tasks, fmtBytes(sp.bytes), fmtTime(sp.createdAt)])));
    if (!LIVE.has(v.state)) return;
    // A job just submitted: its runner serves the plan once it has started.
    if (planCard.childElementCount === 0) planCard.append(stageGraphCard(await getJson<Plan>(jobPath(id!, 'plan'))));
    const { checkpoints: list } = await getJson<{ checkpoints: Checkpoint[] }>(jobPath(id!, 'checkpoints'));
    checkpoints.replaceChildren(
      list.length === 0
        ? h('p', { class: 'muted' }, 'No checkpoint yet.')
        : table(['#Id', 'Task', 'Completed', '#Duration', '#Size', 'Outcome'], list.slice(-12).reverse().map((c) => [c.id, c.task, fmtTime(c.completedAt), fmtDuration(c.durationMs), fmtBytes(c.sizeBytes), badge(c.outcome === 'completed' ? 'completed' : 'failed')]), { class: 'checkpoints' }),
    );
    const { deadLetters: dl } = await getJson<{ deadLetters: DeadLetter[] }>(`${jobPath(id!, 'dead-letters')}?limit=10`);
    deadLetters.replaceChildren(
      dl.length === 0
        ? h('p', { class: 'muted' }, 'None.')
        : table(['When', 'Reason', 'Detail', 'From', 'Value'], dl.map((d) => [fmtTime(d.at), h('strong', {}, d.reason), d.detail, d.topic === null ? '–' : `${d.topic}:${d.partition}${d.offset === null ? '' : `@${d.offset}`}`, h('pre', {}, d.value ?? '')]), { class: 'dead-letters' }),
    );
  });
}
