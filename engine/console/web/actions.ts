/**
 * A job's actions (stop, stop with a savepoint, savepoint, cancel), each behind a confirmation
 * dialog, with the answer or the refusal shown under the buttons. Only drawn when actions are
 * possible (a token is entered); the server still decides.
 */
import { ApiFailure, jobPath, postJson } from './api.js';
import { h } from './dom.js';

interface Action {
  label: string;
  /** What the confirmation asks. */
  question: string;
  sub: string;
  /** Asks for a savepoint directory: required (runner) or optional (the job manager has a default). */
  directory?: 'required' | 'optional';
  body: (dir: string) => unknown;
  danger?: boolean;
}

function actionsFor(mode: 'runner' | 'cluster'): Action[] {
  const optional = mode === 'cluster' ? 'optional' : 'required';
  const list: Action[] = [
    { label: 'Savepoint', question: 'Take a savepoint? The job keeps running.', sub: 'savepoints', directory: optional, body: (d) => (d ? { directory: d } : {}) },
    { label: 'Stop with savepoint', question: 'Take a savepoint, then stop the job gracefully?', sub: 'stop', directory: 'required', body: (d) => ({ savepointDirectory: d }), danger: true },
    { label: 'Stop', question: 'Stop the job gracefully, without a savepoint?', sub: 'stop', body: () => ({}), danger: true },
  ];
  if (mode === 'cluster') list.push({ label: 'Cancel', question: 'Cancel the job (SIGTERM, no savepoint)?', sub: 'cancel', body: () => ({}), danger: true });
  return list;
}

/**
 * @example
 * card.append(actionBar('1a2b3c4d5e6f7a8b', 'cluster'));
 */
export function actionBar(id: string, mode: 'runner' | 'cluster'): HTMLElement {
  const result = h('div', { class: 'action-result' });
  const bar = h('div', { class: 'actions' });
  for (const a of actionsFor(mode)) {
    bar.append(h('button', { class: a.danger ? 'danger' : undefined, 'data-action': a.label, onclick: () => confirmThen(a, id, result) }, `${a.label}…`));
  }
  return h('div', {}, bar, result);
}

function confirmThen(a: Action, id: string, result: HTMLElement): void {
  const dir = h('input', { type: 'text', name: 'directory', size: 50, placeholder: a.directory === 'optional' ? "default: the job's savepoints folder" : '/absolute/path' });
  const error = h('div', {});
  const dialog = h(
    'dialog',
    { class: 'confirm' },
    h('p', {}, a.question),
    a.directory ? h('p', {}, h('label', {}, 'Savepoint directory ', dir)) : null,
    error,
  );
  const close = (): void => {
    dialog.close();
    dialog.remove();
  };
  const confirm = async (): Promise<void> => {
    if (a.directory === 'required' && dir.value.trim() === '') {
      error.replaceChildren(h('div', { class: 'error' }, 'A savepoint directory is needed: an absolute path the runner can write.'));
      return;
    }
    close();
    result.replaceChildren(h('p', { class: 'muted' }, `${a.label}: waiting for the answer…`));
    try {
      const answer = await postJson<Record<string, unknown>>(jobPath(id, a.sub), a.body(dir.value.trim()));
      result.replaceChildren(h('div', { class: 'notice' }, `${a.label}: done. `, h('code', {}, JSON.stringify(answer))));
    } catch (e) {
      const message = e instanceof ApiFailure ? e.message : `the server did not answer: ${(e as Error).message}`;
      result.replaceChildren(h('div', { class: 'error', role: 'alert' }, `${a.label} failed: ${message}`));
    }
  };
  dialog.append(h('div', { class: 'actions' }, h('button', { class: 'primary', 'data-confirm': a.label, onclick: () => void confirm() }, `Yes, ${a.label.toLowerCase()}`), h('button', { onclick: close }, 'No')));
  document.body.append(dialog);
  dialog.showModal();
}
