/**
 * What `eddy demo` shows: the generator's progress, the job's members (their restarts and latest
 * errors), the job's own display of its results, and the newest messages of the generator and
 * the runner. On a terminal the screen is redrawn every second; otherwise a frame is printed each
 * time the job's results change and every message goes to stderr as it comes.
 */
import type { GeneratorProgress } from '../../connectors/generator/run-generator.js';
import type { RunStatus } from '../runtime/runner-monitor.js';

/** Messages kept on a terminal screen: the newest ones. */
const KEPT_MESSAGES = 6;

export interface DemoScreenOptions {
  title: string;
  /** Where the runner serves `/metrics` and the job's views. */
  url: string;
  views: readonly string[];
  /** The job's status, for its members' states, restarts and errors. */
  status(): Promise<RunStatus>;
  tty: boolean;
  write(text: string): void;
  writeError(line: string): void;
}

/** The job's line and one line per member that is not running. */
export function jobLines(s: RunStatus | undefined): string[] {
  if (!s) return ['job: starting'];
  const running = s.members.filter((m) => m.state === 'running').length;
  const lines = [`job: ${s.state}, ${running} of ${s.parallelism} member(s) running, ${s.records.toLocaleString('en-US')} records read, ${s.restarts} restart(s), ${s.deadLettered} dead-lettered`];
  for (const m of s.members.filter((x) => x.state !== 'running')) {
    const error = m.lastFailure ? `: ${m.lastFailure.error.split('\n')[0]}` : '';
    lines.push(`  ${m.member} ${m.state}${error}`);
  }
  return lines;
}

/**
 * @example
 * const screen = new DemoScreen({ title, url, views: ['trending'], status: () => monitor.status(), tty: true, write, writeError });
 * screen.show(display);
 * screen.message('job', 'WARN  member-0  failed (restart 1, in 1 s): …'); // a log record, readableLine(r, { time: false })
 */
export class DemoScreen {
  #display: (() => string[]) | undefined;
  #progress: GeneratorProgress | undefined;
  #status: RunStatus | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #messages: string[] = [];

  constructor(private readonly o: DemoScreenOptions) {}

  /** Starts drawing the job's display: every second on a terminal, else at each change. */
  show(display: () => string[]): void {
    this.#display = display;
    if (!this.o.tty) return;
    this.#timer = setInterval(() => void this.#refresh().then(() => this.o.write(`\x1b[2J\x1b[H${this.frame()}\n`)), 1_000);
  }

  /** The job's results changed. */
  changed(): void {
    if (!this.o.tty) void this.#refresh().then(() => this.o.write(`\n${this.frame()}\n`));
  }

  progress(p: GeneratorProgress): void {
    this.#progress = p;
  }

  /** A message of the generator or the runner (errors, restarts): on screen, or on stderr. */
  message(from: string, line: string): void {
    const text = `${new Date().toISOString().slice(11, 19)} ${from}: ${line}`;
    if (!this.o.tty) return this.o.writeError(text);
    this.#messages.push(text);
    if (this.#messages.length > KEPT_MESSAGES) this.#messages.shift();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  frame(): string {
    const p = this.#progress;
    const lines = [
      this.o.title,
      `metrics: ${this.o.url}/metrics   ${this.o.views.map((v) => `${v}: ${this.o.url}/v1/${v}`).join('   ')}`,
      '',
      p ? `generator: ${p.produced.toLocaleString('en-US')} events in ${(p.elapsedMs / 1000).toFixed(0)} s` : 'generator: starting',
      ...jobLines(this.#status),
      '',
      ...(this.#display?.() ?? []),
    ];
    if (this.#messages.length > 0) lines.push('', 'Messages:', ...this.#messages.map((m) => `  ${m}`));
    lines.push('', 'Ctrl-C stops the demo.');
    return lines.join('\n');
  }

  async #refresh(): Promise<void> {
    this.#status = await this.o.status().catch(() => this.#status);
  }
}
