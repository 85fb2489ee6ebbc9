/**
 * The dashboards against a real Prometheus (Debian's 2.42, found or fetched by
 * deploy/local/prometheus-binary.ts) scraping a real `eddy run content-popularity` over clean input
 * every second, with a plain `static_configs` scrape (no honor_labels, nothing relabelled): every
 * panel and variable query of both dashboards returns data, promtool finds the exposition clean, and
 * the Prometheus configs in deploy/ pass `promtool check config`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { createTopics, uniqueName, waitFor } from '../connectors/kafka/testing/fixtures.js';
import { ensurePrometheus, type PrometheusTools } from '../deploy/local/prometheus-binary.js';
import { servingUrl } from '../engine/cli/testing/eddy-process.js';
import { loadDashboards, panelQueries, substitute, variableQuery } from './testing/dashboard-queries.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const eddy = join(root, 'dist', 'engine', 'cli', 'eddy.js');
const JOB = 'content-popularity';
const children: ChildProcess[] = [];
const dirs: string[] = [];
let tools: PrometheusTools;
let runnerUrl = '';
let runner: { child: ChildProcess; stderr: () => string };
let promUrl = '';

function start(cmd: string, args: string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  return { child, stderr: () => stderr };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const tempDir = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

async function promApi<T>(path: string): Promise<T> {
  const body = (await (await fetch(`${promUrl}${path}`)).json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? body.status}`);
  return body.data;
}

beforeAll(async () => {
  tools = ensurePrometheus({ log: (line) => console.log(`[prometheus] ${line}`) });
  const brokers = inject('kafkaBrokers');
  const input = uniqueName('prom-in');
  await createTopics([{ name: input, partitions: 2 }]);
  // Paced, so event time follows the clock and 10 s windows close every 5 s. Clean input: the
  // dead-letter and late counters must show (at 0) without any bad or late event.
  start(process.execPath, [eddy, 'generate', '--brokers', brokers, '--topic', input, '--rate', '100/s', '--duration', '3m', '--items', '300', '--seed', '7', '--out-of-order', '1s']);
  runner = start(process.execPath, [
    eddy, 'run', JOB, '--brokers', brokers, '--input-topic', input, '--output-topic', uniqueName('prom-out'), '--group-id', uniqueName('prom-g'),
    '--window', '10s', '--slide', '5s', '--out-of-orderness', '1s', '--idle-timeout', '2s', '--checkpoint-interval', '1s',
    '--metrics-port', '0', '--state-dir', tempDir('eddy-prom-state-'),
  ]);
  await waitFor('the runner serving line', () => servingUrl(runner.stderr()) !== undefined, 60_000);
  runnerUrl = servingUrl(runner.stderr())!;

  const dir = tempDir('eddy-prom-');
  const port = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    '  - job_name: eddy',
    `    static_configs: [{ targets: ['${new URL(runnerUrl).host}'] }]`,
    '',
  ].join('\n'));
  const prom = start(tools.prometheus, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
  promUrl = `http://127.0.0.1:${port}`;
  await waitFor('Prometheus ready', async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok === true, 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${prom.stderr().slice(-2_000)}`);
  });
});

afterAll(async () => {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    const hard = setTimeout(() => c.kill('SIGKILL'), 10_000);
    c.once('close', () => (clearTimeout(hard), resolve()));
    c.kill('SIGTERM');
  })));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('dashboards on a real Prometheus', () => {
  it('answer every panel and variable query with data', async () => {
    const dashboards = loadDashboards();
    const labelValues = async (label: string, match: string): Promise<string[]> =>
      promApi<string[]>(`/api/v1/label/${label}/values?${new URLSearchParams({ 'match[]': match })}`);
    let failures: string[] = [];
    // Poll until everything has data: rankings need closed windows, rates need a few scrapes.
    await waitFor('data for every query', async () => {
      const categories = (await labelValues('category', 'eddy_trending_views')).filter((c) => c !== 'all');
      const values = { job_name: JOB, category: categories[0] ?? 'movies' };
      failures = [];
      for (const d of dashboards) {
        for (const v of d.templating.list) {
          const m = /^label_values\((.*),\s*(\w+)\)$/.exec(variableQuery(v) ?? '');
          if (m && (await labelValues(m[2]!, substitute(m[1]!, values))).length === 0) failures.push(`${d.file} $${v.name}: no values`);
        }
        for (const q of panelQueries(d)) {
          const query = substitute(q.expr, values);
          const data = await promApi<{ result: { value: [number, string] }[] }>(`/api/v1/query?${new URLSearchParams({ query })}`);
          // NaN (a quantile or a mean of nothing observed yet) is drawn as no data too.
          if (!data.result.some((r) => r.value[1] !== 'NaN')) failures.push(`${d.file} "${q.panel}" ${q.refId}: no value for ${query}`);
        }
      }
      return failures.length === 0;
    }, 110_000).catch(() => undefined);
    const runnerLog = `runner exit ${runner.child.exitCode ?? runner.child.signalCode ?? '(running)'}, stderr:\n${runner.stderr().slice(-3_000)}`;
    expect(failures, runnerLog).toEqual([]);
    expect(await labelValues('job_name', 'eddy_tasks')).toEqual([JOB]);
    // Prometheus's own target label is the scrape job's name, untouched: nothing was renamed.
    expect(await labelValues('job', 'eddy_tasks')).toEqual(['eddy']);
    expect(await labelValues('__name__', '{exported_job=~".+"}')).toEqual([]);
    // Clean input: those counters show 0, not "No data".
    for (const metric of ['eddy_late_records_total', 'eddy_dead_letter_records_total']) {
      const data = await promApi<{ result: { value: [number, string] }[] }>(`/api/v1/query?${new URLSearchParams({ query: `sum(${metric}{job_name="${JOB}"})` })}`);
      expect(data.result.map((r) => r.value[1]), metric).toEqual(['0']);
    }
  }, 150_000);

  it('scrape metrics that promtool finds clean', async () => {
    const text = await (await fetch(`${runnerUrl}/metrics`)).text();
    const r = spawnSync(tools.promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
    expect(text).toMatch(/^eddy_checkpoints_total\{job_name="content-popularity",outcome="completed"\} [1-9]/m);
    expect(text).not.toMatch(/[{,]job="/);
  });

  it('accept the Prometheus configs of deploy/ (promtool check config)', () => {
    const k8s = parse(readFileSync(join(root, 'deploy', 'k8s', 'prometheus.yaml'), 'utf8').split(/^---$/m)[0]!) as { data: Record<string, string> };
    const k8sConfig = join(tempDir('eddy-prom-k8s-'), 'prometheus.yml');
    writeFileSync(k8sConfig, k8s.data['prometheus.yml']!);
    // Its rules file, mounted beside it in the pod (deploy/prometheus/alerts.itest.ts checks both setups' mounts).
    copyFileSync(join(root, 'deploy', 'prometheus', 'eddy-alerts.yml'), join(dirname(k8sConfig), 'eddy-alerts.yml'));
    for (const file of [join(root, 'deploy', 'prometheus', 'prometheus.yml'), k8sConfig]) {
      const r = spawnSync(tools.promtool, ['check', 'config', file], { encoding: 'utf8' });
      expect(r.status, `${file}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });
});
