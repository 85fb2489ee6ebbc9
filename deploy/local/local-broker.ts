/**
 * The project's own single-node Apache Kafka broker (KRaft, combined broker + controller, loopback),
 * run from Maven Central jars: `eddy kafka start | stop | status`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import { kafkaClientOptions } from '../../connectors/kafka/config.js';
import { BrokerSetupError, LOCAL_DEPLOY_DIR, checkJava, ensureKafkaJars, kafkaVersion } from './broker-jars.js';
import { eddyHome } from '../../engine/config/eddy-home.js';

/** Any base64 UUID works for a single node; a fixed one lets a data folder be reused. */
const CLUSTER_ID = 'ZWRkeS1sb2NhbC1rYWZrYQ';
const STARTED_LINE = 'Kafka Server started';

/** Where the broker keeps its jars, data, log and pid: `$EDDY_HOME/kafka` (default `~/.eddy/kafka`). */
export interface BrokerPaths {
  root: string;
  lib: string;
  data: string;
  config: string;
  log: string;
  state: string;
}

/** What `status` reports about a running broker. */
export interface BrokerInfo {
  pid: number;
  port: number;
  bootstrap: string;
  version: string;
  logFile: string;
  dataDir: string;
  startedAt: string;
}

export function brokerPaths(home = eddyHome()): BrokerPaths {
  const root = join(home, 'kafka');
  return {
    root,
    lib: join(root, `lib-${kafkaVersion()}`),
    data: join(root, 'data'),
    config: join(root, 'server.properties'),
    log: join(root, 'broker.log'),
    state: join(root, 'broker.json'),
  };
}

/** Renders `config/server.properties.tmpl` for a data folder and port (the controller uses port + 1). */
export function renderServerProperties(dataDir: string, port: number): string {
  return readFileSync(join(LOCAL_DEPLOY_DIR, 'config', 'server.properties.tmpl'), 'utf8')
    .replaceAll('@DATA@', dataDir)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@CONTROLLER_PORT@', String(port + 1));
}

/**
 * A process's command line from the output of `ps -ww -p <pid> -o command=`, which procps (Linux)
 * and BSD ps (macOS) print alike: the command and its arguments on one line, no header; nothing
 * for a pid that is gone. Undefined when there is no line.
 *
 * @example
 * parsePsCommand('/usr/bin/java -cp /x/* kafka.Kafka /x/server.properties\n') // '/usr/bin/java -cp /x/* kafka.Kafka /x/server.properties'
 */
export function parsePsCommand(stdout: string): string | undefined {
  return stdout.split('\n').map((l) => l.trim()).find((l) => l !== '');
}

/**
 * True when a command line is the Apache Kafka broker of `config`: its last arguments are
 * `kafka.Kafka <config>`, as LocalBroker starts it. Anything else with the pid (a pid reused after
 * a reboot, a broker of another EDDY_HOME, an exited one: `[java] <defunct>`, `(java)`) is not.
 *
 * @example
 * isBrokerCommand('java -Xmx768m -cp /h/kafka/lib/* kafka.Kafka /h/kafka/server.properties', '/h/kafka/server.properties') // true
 */
export function isBrokerCommand(command: string, config: string): boolean {
  return command === `kafka.Kafka ${config}` || command.endsWith(` kafka.Kafka ${config}`);
}

/** False once `pid` has exited; true while it runs, also when it is another user's (EPERM). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The command line of a live process, or undefined when there is none: from /proc where the system
 * has it (Linux: no process to start, and slim images have no ps), else from `ps` (macOS and the
 * BSDs have no /proc).
 */
export function commandLine(pid: number, useProc = existsSync('/proc/self/cmdline')): string | undefined {
  if (!isAlive(pid)) return undefined;
  if (useProc) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      return undefined;
    }
  }
  const ps = spawnSync('ps', ['-ww', '-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
  if (ps.error) throw new BrokerSetupError(`cannot tell whether pid ${pid} is the local broker: this system has no /proc and 'ps' failed (${ps.error.message})`);
  return ps.status === 0 ? parsePsCommand(ps.stdout) : undefined;
}

/** True when `pid` is alive and is the Apache Kafka broker of `config` (guards against a reused pid). */
function isKafkaProcess(pid: number, config: string): boolean {
  const cmd = commandLine(pid);
  return cmd !== undefined && isBrokerCommand(cmd, config);
}

/** Resolves to true when nothing listens on 127.0.0.1:port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Controls the local broker.
 *
 * @example
 * const broker = new LocalBroker();
 * const info = await broker.start({ port: 9092 }); // reuses a running broker
 * console.log(info.bootstrap);                    // 127.0.0.1:9092
 */
export class LocalBroker {
  constructor(
    readonly paths: BrokerPaths = brokerPaths(),
    private readonly log: (line: string) => void = (l) => console.error(l),
  ) {}

  /** The running broker, or undefined. */
  status(): BrokerInfo | undefined {
    if (!existsSync(this.paths.state)) return undefined;
    const info = JSON.parse(readFileSync(this.paths.state, 'utf8')) as BrokerInfo;
    return isKafkaProcess(info.pid, this.paths.config) ? info : undefined;
  }

  /** Starts the broker, or returns the one already running. */
  async start(opts: { port?: number; fresh?: boolean; timeoutMs?: number } = {}): Promise<BrokerInfo & { reused: boolean }> {
    const port = opts.port ?? 9092;
    const running = this.status();
    if (running) {
      if (running.port !== port) {
        throw new BrokerSetupError(`a local broker is already running on port ${running.port} (pid ${running.pid}): stop it first with 'eddy kafka stop'`);
      }
      return { ...running, reused: true };
    }
    for (const p of [port, port + 1]) {
      if (!(await portIsFree(p))) {
        throw new BrokerSetupError(`port ${p} on 127.0.0.1 is in use by another process: stop it, or choose another port with --port (the controller uses port + 1)`);
      }
    }
    checkJava();
    mkdirSync(this.paths.root, { recursive: true });
    await ensureKafkaJars(this.paths.lib, this.log);
    if (opts.fresh) rmSync(this.paths.data, { recursive: true, force: true });
    writeFileSync(this.paths.config, renderServerProperties(this.paths.data, port));
    const classpath = join(this.paths.lib, '*');
    if (!existsSync(join(this.paths.data, 'meta.properties'))) this.#format(classpath);

    const begun = Date.now();
    const logFd = openSync(this.paths.log, 'w');
    const heap = (process.env.EDDY_KAFKA_HEAP ?? '-Xms256m -Xmx768m').split(/\s+/);
    const child = spawn(
      'java',
      [
        ...heap, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(LOCAL_DEPLOY_DIR, 'config', 'log4j2.properties')}`,
        '-cp', classpath, 'kafka.Kafka', this.paths.config,
      ],
      { detached: true, stdio: ['ignore', logFd, logFd] },
    );
    closeSync(logFd);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new BrokerSetupError('could not start java');
    const info: BrokerInfo = {
      pid, port, bootstrap: `127.0.0.1:${port}`, version: kafkaVersion(),
      logFile: this.paths.log, dataDir: this.paths.data, startedAt: new Date(begun).toISOString(),
    };
    writeFileSync(this.paths.state, JSON.stringify(info, null, 2));
    await this.#waitUntilReady(info, opts.timeoutMs ?? 90_000);
    this.log(`Apache Kafka ${info.version} is up at ${info.bootstrap} (pid ${pid}, ready in ${((Date.now() - begun) / 1000).toFixed(1)} s); log: ${info.logFile}`);
    return { ...info, reused: false };
  }

  /** Stops the broker by pid (SIGTERM, which runs Kafka's clean shutdown) and waits until it exits. */
  async stop(timeoutMs = 60_000): Promise<boolean> {
    const info = this.status();
    rmSync(this.paths.state, { force: true });
    if (!info) return false;
    process.kill(info.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isKafkaProcess(info.pid, this.paths.config)) {
      if (Date.now() > deadline) {
        this.log(`broker pid ${info.pid} did not stop within ${timeoutMs / 1000} s; killing it`);
        process.kill(info.pid, 'SIGKILL');
      }
      await sleep(100);
    }
    return true;
  }

  #format(classpath: string): void {
    const r = spawnSync(
      'java',
      [
        '-Xmx256m', `-Dlog4j2.configurationFile=${join(LOCAL_DEPLOY_DIR, 'config', 'tools-log4j2.properties')}`,
        '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', CLUSTER_ID, '-c', this.paths.config,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new BrokerSetupError(`formatting ${this.paths.data} failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  }

  async #waitUntilReady(info: BrokerInfo, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!readFileSync(info.logFile, 'utf8').includes(STARTED_LINE)) {
      if (!isKafkaProcess(info.pid, this.paths.config)) {
        rmSync(this.paths.state, { force: true });
        const tail = readFileSync(info.logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
        throw new BrokerSetupError(`the broker exited during start-up; last lines of ${info.logFile}:\n${tail}`);
      }
      if (Date.now() > deadline) throw new BrokerSetupError(`the broker did not start within ${timeoutMs / 1000} s; see ${info.logFile}`);
      await sleep(100);
    }
    // "Started" in the log is not enough: wait until a client gets cluster metadata back.
    const admin = new KafkaAdmin(kafkaClientOptions({ brokers: info.bootstrap, clientId: 'eddy-kafka-start', logLevel: 'nothing' }));
    for (;;) {
      try {
        await admin.connect();
        await admin.brokers();
        await admin.disconnect();
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new BrokerSetupError(`the broker does not answer clients at ${info.bootstrap}: ${(e as Error).message}`);
        await sleep(200);
      }
    }
  }
}
