/**
 * A real Prometheus for tests and local dashboards, without Docker: `prometheus` and `promtool` from
 * PATH, else from Debian's `prometheus` package, fetched once with `apt-get download` and unpacked
 * with `dpkg-deb -x` into `$EDDY_HOME/prometheus` (default `~/.eddy/prometheus`). Nothing is
 * installed system-wide, so it works without root and leaves the machine's packages alone.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { eddyHome } from '../../engine/config/eddy-home.js';

export interface PrometheusTools {
  prometheus: string;
  promtool: string;
  /** e.g. `2.42.0+ds`. */
  version: string;
  /** Where they came from: `PATH` or the unpacked package folder. */
  source: string;
}

/** A failure the user can fix (the message says how). */
export class PrometheusSetupError extends Error {
  override readonly name = 'PrometheusSetupError';
}

/** The cache folder for the unpacked package. */
export function prometheusHome(home = eddyHome()): string {
  return join(home, 'prometheus');
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function run(cmd: string, args: readonly string[], cwd?: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (r.error) return { ok: false, out: r.error.message };
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

function versionOf(prometheus: string): string {
  const r = run(prometheus, ['--version']);
  const m = /prometheus, version (\S+)/.exec(r.out);
  if (!r.ok || !m?.[1]) throw new PrometheusSetupError(`${prometheus} --version failed: ${r.out.split('\n')[0] ?? ''}`);
  return m[1];
}

/**
 * Finds or fetches Prometheus and promtool. Prints one line through `log` when it downloads.
 *
 * @example
 * const { prometheus, promtool } = ensurePrometheus();
 * spawn(prometheus, ['--config.file', cfg, '--storage.tsdb.path', dir, '--web.listen-address', '127.0.0.1:9090']);
 */
export function ensurePrometheus(opts: { home?: string; log?: (line: string) => void } = {}): PrometheusTools {
  const fromPath = { prometheus: onPath('prometheus'), promtool: onPath('promtool') };
  if (fromPath.prometheus && fromPath.promtool) {
    return { prometheus: fromPath.prometheus, promtool: fromPath.promtool, version: versionOf(fromPath.prometheus), source: 'PATH' };
  }
  const dir = opts.home ?? prometheusHome();
  const root = join(dir, 'root');
  const tools = { prometheus: join(root, 'usr', 'bin', 'prometheus'), promtool: join(root, 'usr', 'bin', 'promtool') };
  if (!existsSync(tools.prometheus) || !existsSync(tools.promtool)) fetchDebianPackage(dir, root, opts.log ?? (() => undefined));
  return { ...tools, version: versionOf(tools.prometheus), source: root };
}

function fetchDebianPackage(dir: string, root: string, log: (line: string) => void): void {
  for (const tool of ['apt-get', 'dpkg-deb']) {
    if (!onPath(tool)) throw new PrometheusSetupError(`prometheus is not on PATH and ${tool} is missing to fetch Debian's package: install Prometheus 2.x (with promtool) and put it on PATH`);
  }
  mkdirSync(dir, { recursive: true });
  // Download and unpack into a scratch folder, then rename: an interrupted fetch leaves no half tree.
  const work = mkdtempSync(join(dir, 'fetch-'));
  try {
    log(`fetching Debian's prometheus package into ${dir} (once)`);
    let dl = run('apt-get', ['download', 'prometheus'], work);
    // A fresh machine may have no package lists yet; only root may refresh them.
    if (!dl.ok && process.getuid?.() === 0) {
      log('apt-get download failed; refreshing the package lists (apt-get update) and trying again');
      const update = run('apt-get', ['update']);
      if (update.ok) dl = run('apt-get', ['download', 'prometheus'], work);
    }
    const deb = readdirSync(work).find((f) => /^prometheus_.*\.deb$/.test(f));
    if (!dl.ok || !deb) {
      throw new PrometheusSetupError(`apt-get download prometheus failed: ${lastLine(dl.out)} (run 'apt-get update' as root, or install Prometheus 2.x with promtool on PATH)`);
    }
    const unpacked = join(work, 'root');
    const x = run('dpkg-deb', ['-x', join(work, deb), unpacked]);
    if (!x.ok) throw new PrometheusSetupError(`dpkg-deb -x ${deb} failed: ${lastLine(x.out)}`);
    rmSync(root, { recursive: true, force: true });
    renameSync(unpacked, root);
    log(`unpacked ${deb} into ${root}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function lastLine(text: string): string {
  return text.split('\n').filter((l) => l.trim() && !l.startsWith('W: ')).pop() ?? '(no output)';
}
