/**
 * The console's entry point: the token field, the navigation and a hash router over the pages
 * (`#/` jobs, `#/jobs/<id>`, `#/jobs/<id>/results`, `#/submit`). Leaving a page closes its streams
 * and timers.
 */
import { consoleInfo, RUNNER_JOB, setToken, token } from './api.js';
import { h } from './dom.js';
import { jobPage } from './job-page.js';
import { overviewPage } from './overview-page.js';
import type { Page, PageContext } from './page.js';
import { resultsPage } from './results-page.js';
import { submitPage } from './submit-page.js';

const ROUTES: [RegExp, Page][] = [
  [/^#?\/?$/, overviewPage],
  [/^#\/jobs\/([^/]+)$/, jobPage],
  [/^#\/jobs\/([^/]+)\/results$/, resultsPage],
  [/^#\/submit$/, submitPage],
];

const leave: (() => void)[] = [];

async function show(): Promise<void> {
  for (const fn of leave.splice(0)) fn();
  const app = document.getElementById('app')!;
  const errorBox = h('div', { class: 'page-error' });
  const root = h('div', {});
  app.replaceChildren(errorBox, root);
  const info = await consoleInfo();
  const ctx: PageContext = {
    root,
    canAct: info.actions && token() !== '',
    error: (m) => errorBox.replaceChildren(...(m === null ? [] : [h('div', { class: 'error', role: 'alert' }, m)])),
    onLeave: (fn) => leave.push(fn),
    every(ms, fn) {
      let stopped = false;
      const run = (): void => void fn().then(() => !stopped && ctx.error(null), (e: Error) => !stopped && ctx.error(e.message));
      const timer = setInterval(run, ms);
      leave.push(() => ((stopped = true), clearInterval(timer)));
      run();
    },
  };
  const route = ROUTES.find(([re]) => re.test(location.hash));
  if (!route) return void root.append(h('p', {}, 'No such page. ', h('a', { href: '#/' }, 'Jobs')));
  try {
    await route[1](ctx, route[0].exec(location.hash)!.slice(1).map(decodeURIComponent));
  } catch (e) {
    ctx.error((e as Error).message);
  }
  document.body.dataset.page = route[1].name; // tests wait for this: the page has drawn
}

async function start(): Promise<void> {
  const info = await consoleInfo();
  const nav = document.getElementById('nav')!;
  nav.append(h('a', { href: '#/' }, info.mode === 'runner' ? 'Job' : 'Jobs'));
  if (info.mode === 'runner') nav.append(h('a', { href: `#/jobs/${RUNNER_JOB}` }, 'Details'), ...(info.views?.length ? [h('a', { href: `#/jobs/${RUNNER_JOB}/results` }, 'Results')] : []));
  if (info.mode === 'cluster') nav.append(h('a', { href: '#/submit' }, 'Submit'));
  nav.append(h('span', { class: 'muted' }, info.mode === 'runner' ? `runner of ${info.job}` : 'job manager'));
  const input = document.getElementById('token') as HTMLInputElement;
  input.value = token();
  input.onchange = () => {
    setToken(input.value.trim());
    void show();
  };
  window.onhashchange = () => void show();
  await show();
}

void start();
