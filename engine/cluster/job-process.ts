/**
 * One job the job manager runs: an `eddy run` child process with its own folder (options, stderr
 * log, state), its own random API token (EDDY_API_TOKEN), the job manager's `--log-level` and an
 * HTTP port it picks itself (`--metrics-port 0`; the runner sends its URL over the IPC channel as
 * `{ type: 'serving', url }`, which no log level filters out). The job manager never restarts a
 * runner: the runner restarts its own member threads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withoutFlagVariables } from '../config/flag-env.js';
import { ApiError } from '../http/json-api.js';
import type { LogLevel } from '../log/logger.js';

export type JobState = 'running' | 'cancelling' | 'stopping' | 'finished' | 'failed' | 'cancelled' | 'stopped';
const TERMINAL: ReadonlySet<JobState> = new Set(['finished', 'failed', 'cancelled', 'stopped']);

export interface SavepointInfo {
  path: string;
  tasks: number;
  bytes: number;
  createdAt: number;
}

export interface JobProcessOptions {
  id: string;
  job: string;
  /** Validated runner and job options, handed to the child as its `--config` file. */
  config: Record<string, unknown>;
  /** The job's own folder: options.json, job.log, state/, savepoints/. */
  dir: string;
  /** `dist/engine/cli/eddy.js`. */
  eddyScript: string;
  /** The runner's `--log-level` (default: the runner's default, info). */
  logLevel?: LogLevel;
}

/** What the runner sends over the IPC channel once it serves HTTP. */
const isServing = (m: unknown): m is { type: 'serving'; url: string } =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'serving' && typeof (m as { url?: unknown }).url === 'string';

/**
 * @example
 * const p = JobProcess.start({ id, job: 'content-popularity', config: { bounded: true }, dir, eddyScript });
 * await p.exited; p.state; // 'finished'
 */
export class JobProcess {
  readonly startedAt = Date.now();
  state: JobState = 'running';
  readonly savepoints: SavepointInfo[] = [];
  readonly exited: Promise<void>;
  readonly #child: ChildProcess;
  readonly #token = randomBytes(24).toString('base64url');
  #url: string | undefined;
  #requested: 'cancel' | 'stop' | undefined;
  #termWhenServing = false;
  #endedAt: number | null = null;
  #exit: { code: number | null; signal: string | null } | null = null;
  #stderrTail = '';
  #stdout = '';

  private constructor(readonly o: JobProcessOptions) {
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    const configFile = join(o.dir, 'options.json');
    writeFileSync(configFile, JSON.stringify(o.config, null, 2), { mode: 0o600 });
    const log = createWriteStream(this.logFile, { flags: 'a', mode: 0o600 });
    // The job manager's own token stays here, and so do variables that would set the runner's flags
    // over the options in its --config file.
    const { EDDY_TOKEN: _clientToken, ...env } = withoutFlagVariables(process.env, 'run');
    const args = [o.eddyScript, 'run', o.job, '--config', configFile, '--metrics-port', '0', '--http-host', '127.0.0.1', '--state-dir', join(o.dir, 'state'), ...(o.logLevel ? ['--log-level', o.logLevel] : [])];
    this.#child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...env, EDDY_API_TOKEN: this.#token } });
    log.write(`eddy cluster: job ${o.id} (${o.job}) started as pid ${this.#child.pid ?? '?'}\n`);
    this.#child.stderr!.on('data', (d: Buffer) => {
      log.write(d);
      this.#stderrTail = (this.#stderrTail + d.toString()).slice(-8_192);
    });
    this.#child.on('message', (m: unknown) => {
      if (this.#url !== undefined || !isServing(m)) return;
      this.#url = m.url;
      if (this.#termWhenServing) this.#child.kill('SIGTERM');
    });
    this.#child.stdout!.on('data', (d: Buffer) => void (this.#stdout = (this.#stdout + d.toString()).slice(-65_536)));
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: string | null, why?: string): void => {
        if (this.#exit) return;
        this.#exit = { code, signal };
        this.#endedAt = Date.now();
        this.state = outcome(this.#requested, code, signal, parseSummary(this.#stdout));
        if (why) this.#stderrTail += `\n${why}`;
        log.end(`eddy cluster: job ${o.id} ${this.state} (exit code ${code}, signal ${signal})\n`, () => resolve());
      };
      this.#child.on('error', (e) => done(null, null, `cannot start the runner: ${e.message}`));
      this.#child.on('close', (code, signal) => done(code, signal));
    });
  }

  static start(o: JobProcessOptions): JobProcess {
    return new JobProcess(o);
  }

  get id(): string {
    return this.o.id;
  }

  get logFile(): string {
    return join(this.o.dir, 'job.log');
  }

  get terminal(): boolean {
    return TERMINAL.has(this.state);
  }

  /** Cancel: SIGTERM, no savepoint. The runner commits its open transactions and leaves its group. */
  cancel(): void {
    this.#liveOr409();
    this.#requested = 'cancel';
    this.state = 'cancelling';
    this.#terminate();
  }

  /**
   * Stop through the runner's API, after a savepoint when a directory is given (the runner holds its
   * input after the copy, so nothing is processed past it). Before the runner serves HTTP, a stop
   * without savepoint falls back to SIGTERM, which the runner also handles gracefully.
   */
  async stop(savepointDirectory?: string): Promise<{ savepoint?: SavepointInfo }> {
    this.#liveOr409();
    this.#requested = 'stop'; // set first: the runner may exit before its answer is read
    if (this.#url === undefined && savepointDirectory === undefined) {
      this.state = 'stopping';
      this.#terminate();
      return {};
    }
    try {
      const body = (await this.runner('/v1/stop', { method: 'POST', body: savepointDirectory === undefined ? {} : { savepointDirectory }, timeoutMs: 300_000 })) as { savepoint?: SavepointInfo };
      if (body.savepoint) this.savepoints.push(body.savepoint);
      if (!this.terminal) this.state = 'stopping';
      return body.savepoint ? { savepoint: body.savepoint } : {};
    } catch (e) {
      if (!this.terminal) this.#requested = undefined; // the runner refused: the job runs on
      throw e;
    }
  }

  /** A savepoint into `directory`; the job keeps running. */
  async savepoint(directory: string): Promise<SavepointInfo> {
    this.#liveOr409();
    const info = (await this.runner('/v1/savepoints', { method: 'POST', body: { directory }, timeoutMs: 300_000 })) as SavepointInfo;
    this.savepoints.push(info);
    return info;
  }

  /**
   * Calls the runner's HTTP API and returns its JSON body; a runner error comes back as ApiError
   * with the runner's status, an unreachable runner as 502, one not serving yet as 503.
   */
  async runner(path: string, init: { method?: 'GET' | 'POST'; body?: unknown; timeoutMs?: number } = {}): Promise<unknown> {
    if (this.terminal) throw new ApiError(409, `job ${this.id} is ${this.state}: its runner no longer serves ${path}`);
    if (this.#url === undefined) throw new ApiError(503, `job ${this.id} is starting: its runner does not serve HTTP yet, retry in a moment`);
    let res: Response;
    try {
      res = await fetch(`${this.#url}${path}`, {
        method: init.method ?? 'GET',
        headers: init.method === 'POST' ? { authorization: `Bearer ${this.#token}`, 'content-type': 'application/json' } : {},
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(init.timeoutMs ?? 5_000),
      });
    } catch (e) {
      throw new ApiError(502, `the runner of job ${this.id} did not answer at ${this.#url}: ${(e as Error).message}`);
    }
    const body = (await res.json().catch(() => ({ error: `runner answered ${res.status} without JSON` }))) as { error?: string };
    if (!res.ok) throw new ApiError(res.status, `runner: ${body.error ?? `HTTP ${res.status}`}`);
    return body;
  }

  /** Graceful end on job-manager shutdown: a stop, or SIGTERM when the runner does not answer. */
  async shutdown(): Promise<void> {
    if (this.terminal) return;
    if (this.state === 'running') await this.stop().catch(() => !this.terminal && this.#terminate());
    await this.exited;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      job: this.o.job,
      state: this.state,
      pid: this.pid ?? null,
      startedAt: this.startedAt,
      endedAt: this.#endedAt,
      exitCode: this.#exit?.code ?? null,
      signal: this.#exit?.signal ?? null,
      failure: this.state === 'failed' ? failureLine(this.#stderrTail) : null,
      url: this.terminal ? null : (this.#url ?? null),
      options: this.o.config,
      log: this.logFile,
      savepoints: this.savepoints,
      summary: this.state === 'finished' || this.state === 'stopped' ? parseSummary(this.#stdout) : null,
    };
  }

  /**
   * SIGTERM, and again once the runner serves when it did not yet: a runner still starting may have
   * installed its handler (a signal there aborts a run that has not begun listening for it, and the
   * run would go on) or not (the signal ends it). The second signal meets no handler and ends it.
   */
  #terminate(): void {
    this.#child.kill('SIGTERM');
    if (this.#url === undefined) this.#termWhenServing = true;
  }

  #liveOr409(): void {
    if (this.terminal || this.state === 'cancelling' || this.state === 'stopping') throw new ApiError(409, `job ${this.id} is ${this.state}`);
  }
}

/**
 * How a runner's end reads. It exits 0 after any clean end (its input done, or a stop: SIGTERM or
 * POST /v1/stop) and non-zero after a crash, so the exit code alone cannot tell a stop from a
 * finish: a clean end is what the job manager asked for, if it asked (a SIGTERM that ended the
 * runner before it handled signals counts too), else what the runner's summary says (`ended`), as
 * when someone else sent the SIGTERM. A crash is a failure even during a requested stop.
 */
function outcome(requested: 'cancel' | 'stop' | undefined, code: number | null, signal: string | null, summary: unknown): JobState {
  const clean = code === 0 || (requested !== undefined && signal === 'SIGTERM');
  if (!clean) return 'failed';
  if (requested) return requested === 'cancel' ? 'cancelled' : 'stopped';
  return (summary as { ended?: string } | null)?.ended === 'stopped' ? 'stopped' : 'finished';
}

function lastLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').pop()?.slice(0, 1_000) ?? 'the runner exited without a message';
}

/** The runner's own one-line reason (`eddy run: ...`, first line of a stack too), else its last line (a JSON log line's message). */
function failureLine(stderr: string): string {
  const reasons = stderr.split('\n').filter((l) => /^eddy run: /.test(l));
  return reasons.pop()?.slice(0, 1_000) ?? logMessage(lastLine(stderr));
}

function logMessage(line: string): string {
  try {
    const { msg } = JSON.parse(line) as { msg?: unknown };
    return typeof msg === 'string' ? msg : line;
  } catch {
    return line;
  }
}

/** The runner's last stdout line is its JSON run summary. */
function parseSummary(stdout: string): unknown {
  try {
    return JSON.parse(lastLine(stdout)) as unknown;
  } catch {
    return null;
  }
}
