/**
 * A job's results: each of its views (content-popularity's `trending`) live, one card per key (the
 * ranking of a category), redrawn as the runner pushes the records that changed (server-sent
 * events, as new windows commit).
 */
import { consoleInfo, getJson, jobPath } from './api.js';
import { fmtNumber, fmtTime, h, table } from './dom.js';
import { follow } from './event-stream.js';
import type { PageContext } from './page.js';

type ViewRecord = Record<string, unknown>;

function card(key: string, record: ViewRecord, fresh: boolean): HTMLElement {
  const windowEnd = typeof record.windowEnd === 'number' ? record.windowEnd : null;
  const windowStart = typeof record.windowStart === 'number' ? record.windowStart : null;
  const rankings = Array.isArray(record.rankings) ? (record.rankings as ViewRecord[]) : null;
  const columns = rankings?.[0] ? Object.keys(rankings[0]) : [];
  return h(
    'div',
    { class: `card ranking${fresh ? ' flash' : ''}`, 'data-key': key, 'data-window-end': windowEnd ?? '' },
    h('h2', {}, key, windowEnd !== null ? h('span', { class: 'window' }, `window ${fmtTime(windowStart)} → ${fmtTime(windowEnd)}`) : null),
    rankings
      ? table(columns.map((c) => (typeof rankings[0]![c] === 'number' ? `#${c}` : c)), rankings.map((r) => columns.map((c) => (typeof r[c] === 'number' ? fmtNumber(r[c] as number) : String(r[c])))))
      : h('pre', {}, JSON.stringify(record, null, 2)),
  );
}

function order(a: string, b: string): number {
  return a === 'all' ? -1 : b === 'all' ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

export async function resultsPage(ctx: PageContext, [id]: string[]): Promise<void> {
  const info = await consoleInfo();
  const views = info.mode === 'runner' ? (info.views ?? []) : (await getJson<{ views: { name: string; param: string }[] }>(jobPath(id!, 'views'))).views;
  ctx.root.append(h('h1', {}, 'Results ', h('a', { href: `#/jobs/${id}`, style: 'font-size:14px' }, '← job')));
  if (views.length === 0) ctx.root.append(h('p', { class: 'muted' }, 'This job declares no views.'));
  for (const view of views) {
    const records = new Map<string, ViewRecord>();
    const status = h('p', { class: 'muted live-status' }, 'connecting…');
    const cards = h('div', { class: 'grid', 'data-view': view.name });
    let updates = 0;
    ctx.root.append(h('h2', {}, `${view.name} (live, by ${view.param})`), status, cards);
    const draw = (changed: ReadonlySet<string>): void => {
      cards.replaceChildren(...[...records.keys()].sort(order).map((k) => card(k, records.get(k)!, changed.has(k))));
      status.textContent = records.size === 0 ? 'No committed results yet: they appear when the first window closes.' : `${records.size} ${view.param} keys; ${updates} update${updates === 1 ? '' : 's'} pushed; last at ${new Date().toLocaleTimeString('en-GB')}`;
      status.dataset.updates = String(updates);
    };
    follow(ctx, jobPath(id!, `${view.name}/events`), {
      snapshot: (data) => {
        records.clear();
        for (const [k, r] of Object.entries(data as Record<string, ViewRecord>)) records.set(k, r);
        draw(new Set());
      },
      update: (data) => {
        const changed = new Set<string>();
        for (const r of data as ViewRecord[]) {
          const key = String(r[view.param] ?? JSON.stringify(r));
          records.set(key, r);
          changed.add(key);
        }
        updates += 1;
        draw(changed);
      },
    });
  }
}
