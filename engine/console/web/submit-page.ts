/**
 * Submitting a job to the job manager: pick a job, fill in its options (fields drawn from the
 * options' JSON Schema; empty ones are left to their defaults) and the runner's, confirm; a refusal
 * names the field at fault.
 */
import { ApiFailure, consoleInfo, postJson } from './api.js';
import { h } from './dom.js';
import type { PageContext } from './page.js';
import type { JsonSchema } from './types.js';

const RUNNER_FIELDS: [name: string, hint: string][] = [
  ['parallelism', 'worker threads (consumer-group members) in the runner, default 1'],
  ['groupId', 'consumer group and prefix of internal topics (default: the job name)'],
  ['checkpointInterval', 'e.g. 5s'],
  ['fromSavepoint', 'absolute path of a savepoint to start from'],
];

function hint(p: JsonSchema): string {
  const type = p.enum ? p.enum.join(' | ') : [p.type ?? p.anyOf?.map((a) => a.type).join(' | ') ?? ''].flat().join(' | ');
  return [p.description, type ? `(${type}${p.default !== undefined ? `, default ${JSON.stringify(p.default)}` : ''})` : ''].filter(Boolean).join(' ');
}

function fields(form: HTMLFormElement, props: Record<string, JsonSchema>): void {
  for (const [name, p] of Object.entries(props)) {
    if (RUNNER_FIELDS.some(([n]) => n === name) || name === 'bounded') continue;
    const kind = p.type === 'boolean' ? 'boolean' : p.type === 'integer' || p.type === 'number' ? 'number' : 'text';
    const input = kind === 'boolean' ? h('input', { type: 'checkbox', name, 'data-kind': kind }) : h('input', { type: 'text', name, 'data-kind': kind, placeholder: p.default === undefined ? '' : String(p.default) });
    form.append(h('label', { for: name }, name), input, h('div', { class: 'hint' }, hint(p)));
  }
}

export async function submitPage(ctx: PageContext): Promise<void> {
  const info = await consoleInfo();
  const jobs = info.jobs ?? [];
  ctx.root.append(h('h1', {}, 'Submit a job'));
  if (info.mode !== 'cluster' || !ctx.canAct) {
    ctx.root.append(h('p', { class: 'muted read-only' }, 'Submitting needs the job manager and its API token (enter it above).'));
    return;
  }
  const select = h('select', { name: 'job' }, ...jobs.map((j) => h('option', { value: j.name }, j.name)));
  const form = h('form', { class: 'fields card' });
  const result = h('div', {});
  const draw = (): void => {
    const def = jobs.find((j) => j.name === select.value);
    form.replaceChildren(h('label', {}, 'job'), select, h('div', { class: 'hint' }, def?.description ?? ''));
    fields(form, def?.options?.properties ?? {});
    for (const [name, text] of RUNNER_FIELDS) form.append(h('label', { for: name }, name), h('input', { type: 'text', name }), h('div', { class: 'hint' }, text));
    form.append(h('label', { for: 'bounded' }, 'bounded'), h('input', { type: 'checkbox', name: 'bounded', 'data-kind': 'boolean' }), h('div', { class: 'hint' }, 'stop at the end of the input as it is at start'));
    form.append(h('span', {}), h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Submit…')));
  };
  select.onchange = draw;
  form.onsubmit = (e) => {
    e.preventDefault();
    const options: Record<string, unknown> = {};
    for (const input of form.querySelectorAll('input')) {
      if (input.dataset.kind === 'boolean') {
        if (input.checked) options[input.name] = true;
      } else if (input.value.trim() !== '') {
        const v = input.value.trim();
        options[input.name] = input.dataset.kind === 'number' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
      }
    }
    if (!window.confirm(`Submit ${select.value} with ${JSON.stringify(options)}?`)) return;
    postJson<{ id: string }>('/v1/jobs', { job: select.value, options }).then(
      ({ id }) => (location.hash = `#/jobs/${id}`),
      (err: Error) => result.replaceChildren(h('div', { class: 'error', role: 'alert' }, `Submit failed: ${err instanceof ApiFailure ? err.message : err.message}`)),
    );
  };
  draw();
  ctx.root.append(form, result);
}
