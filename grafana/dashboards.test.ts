/**
 * The dashboards and Grafana's provisioning, checked against the metric catalog without Grafana:
 * every panel queries something, every metric and label it names is one Eddy exports, and the
 * provisioning files parse and point at what exists. prometheus.itest.ts runs the same queries
 * against a real Prometheus.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { METRICS, PROCESS_METRICS } from '../engine/metrics/metrics-catalog.js';
import contentPopularity from '../jobs/content-popularity/job.js';
import { DASHBOARD_DIR, GRAFANA_DIR, allPanels, loadDashboards, panelQueries, promqlNames, variableQuery, type Dashboard } from './testing/dashboard-queries.js';

/** Metric name as queried → its labels. Histograms are queried through their three series. */
const KNOWN = new Map<string, readonly string[]>();
// The trending dashboard shows content-popularity's own metric (declared by the job, not the engine).
const JOB_METRICS = (contentPopularity.metrics ?? []).map(({ spec }) => ({ name: spec.name, type: spec.type, labels: ['job_name', ...spec.labels] }));
for (const m of [...METRICS, ...PROCESS_METRICS, ...JOB_METRICS]) {
  if (m.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) KNOWN.set(`${m.name}${s}`, s === '_bucket' ? [...m.labels, 'le'] : m.labels);
  else KNOWN.set(m.name, m.labels);
}
// Prometheus adds `instance` (the scraped runner) and `job` (the scrape job, named by whoever
// configures Prometheus) to every series. Dashboards use `instance` only: the Eddy job is `job_name`.
const TARGET_LABELS = ['instance'];
const FUNCTIONS = new Set(['sum', 'max', 'min', 'avg', 'count', 'topk', 'bottomk', 'rate', 'irate', 'increase', 'histogram_quantile', 'time', 'sort', 'sort_desc', 'clamp_min', 'max_over_time', 'delta', 'deriv', 'abs']);

/** What is wrong with one query: names unknown to the catalog, labels a metric does not have. */
function queryProblems(expr: string, legendFormat = ''): string[] {
  const problems: string[] = [];
  const n = promqlNames(expr);
  if (n.metrics.length === 0) problems.push('selects no metric');
  for (const f of n.functions) if (!FUNCTIONS.has(f)) problems.push(`unknown function ${f}`);
  const labelsInQuery = new Set(TARGET_LABELS);
  for (const m of n.metrics) {
    const labels = KNOWN.get(m);
    if (!labels) {
      problems.push(`metric ${m} is not in the catalog`);
      continue;
    }
    labels.forEach((l) => labelsInQuery.add(l));
    for (const l of n.selectorLabels.get(m) ?? []) if (!labels.includes(l) && !TARGET_LABELS.includes(l)) problems.push(`${m} has no label ${l}`);
  }
  for (const l of n.groupingLabels) if (!labelsInQuery.has(l)) problems.push(`grouping by ${l}, which no metric of the query has`);
  // A legend can only show labels that survive the outermost aggregation.
  const shown = n.groupingLabels.length > 0 ? new Set(n.groupingLabels) : labelsInQuery;
  for (const [, l] of legendFormat.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) if (!shown.has(l!)) problems.push(`legend uses {{${l}}}, which the result does not have`);
  return problems;
}

const dashboards = loadDashboards();
const provisioning = join(GRAFANA_DIR, 'provisioning');
const readYaml = (path: string): unknown => parse(readFileSync(path, 'utf8'));

describe('Grafana dashboards', () => {
  it('are the two dashboards, valid JSON, Grafana 10/11 schema, unique uids and panel ids', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['engine-health.json', 'trending-content.json']);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
    for (const d of dashboards) {
      expect(d.schemaVersion, d.file).toBeGreaterThanOrEqual(36);
      expect(d.schemaVersion, d.file).toBeLessThanOrEqual(41);
      const ids = allPanels(d).map((p) => p.id);
      expect(new Set(ids).size, `${d.file}: panel ids`).toBe(ids.length);
      expect(d.templating.list.map((v) => v.name), d.file).toContain('job_name');
    }
  });

  it('give every panel a query', () => {
    for (const d of dashboards) {
      for (const p of allPanels(d).filter((p) => p.type !== 'row')) {
        expect(['timeseries', 'stat', 'table', 'bargauge', 'gauge'], `${d.file}: ${p.title}`).toContain(p.type);
        expect(p.targets?.length ?? 0, `${d.file}: ${p.title} has no query`).toBeGreaterThan(0);
        for (const t of p.targets ?? []) expect(t.expr?.trim(), `${d.file}: ${p.title} ${t.refId}`).toBeTruthy();
      }
    }
  });

  it('name only metrics and labels of the catalog', () => {
    const problems = dashboards.flatMap((d) => [
      ...panelQueries(d).flatMap((q) => queryProblems(q.expr, q.legendFormat).map((p) => `${d.file}: ${q.panel} ${q.refId}: ${p}`)),
      ...d.templating.list.flatMap((v) => {
        const q = variableQuery(v);
        return q === undefined ? [] : queryProblems(q.replace(/^label_values\((.*),\s*(\w+)\)$/, (_m, sel: string, label: string) => `max by (${label}) (${sel})`)).map((p) => `${d.file}: $${v.name}: ${p}`);
      }),
    ]);
    expect(problems).toEqual([]);
  });

  it('use only variables the dashboard defines', () => {
    for (const d of dashboards) {
      const defined = new Set(d.templating.list.map((v) => v.name));
      for (const q of [...panelQueries(d).map((p) => p.expr), ...d.templating.list.map(variableQuery)]) {
        for (const [, name] of (q ?? '').matchAll(/\$\{?(\w+)/g)) if (!name!.startsWith('__')) expect(defined, `${d.file}: $${name}`).toContain(name);
      }
    }
  });

  it('select the Eddy job by job_name, never by Prometheus\'s own job label', () => {
    for (const d of dashboards) {
      for (const q of [...panelQueries(d).map((p) => p.expr), ...d.templating.list.map(variableQuery)]) {
        const n = promqlNames(q ?? '');
        expect([...n.selectorLabels.values()].flat(), `${d.file}: ${q}`).not.toContain('job');
        expect(n.groupingLabels, `${d.file}: ${q}`).not.toContain('job');
      }
      for (const q of panelQueries(d)) {
        const n = promqlNames(q.expr);
        for (const m of n.metrics) expect(n.selectorLabels.get(m) ?? [], `${d.file}: ${q.panel} ${q.refId}: ${m}`).toContain('job_name');
      }
    }
  });

  it('show every metric of the catalog somewhere', () => {
    const used = new Set(dashboards.flatMap((d) => panelQueries(d).flatMap((q) => promqlNames(q.expr).metrics)));
    const missing = [...METRICS, ...PROCESS_METRICS].map((m) => m.name).filter((name) => ![...used].some((u) => u === name || u.startsWith(`${name}_`)));
    expect(missing).toEqual([]);
  });

  it('and the checker itself rejects unknown metrics, labels, functions and legends', () => {
    expect(queryProblems('sum by (partition) (rate(eddy_source_records_total{job_name="x"}[1m]))', '{{partition}}')).toEqual([]);
    expect(queryProblems('rate(eddy_no_such_metric[1m])')).toEqual(['metric eddy_no_such_metric is not in the catalog']);
    expect(queryProblems('eddy_tasks{partition="0"}')).toEqual(['eddy_tasks has no label partition']);
    expect(queryProblems('eddy_tasks{job="content-popularity"}')).toEqual(['eddy_tasks has no label job']);
    expect(queryProblems('sum by (operator) (eddy_tasks)')).toEqual(['grouping by operator, which no metric of the query has']);
    expect(queryProblems('sum by (job_name) (eddy_tasks)', '{{instance}}')).toEqual(['legend uses {{instance}}, which the result does not have']);
    expect(queryProblems('histogram_quantile(0.9, rate(eddy_checkpoint_duration_seconds[1m]))')).toEqual(['metric eddy_checkpoint_duration_seconds is not in the catalog']);
    expect(queryProblems('rated(eddy_tasks[1m])')).toEqual(['unknown function rated']);
  });
});

describe('Grafana provisioning', () => {
  const datasources = readYaml(join(provisioning, 'datasources', 'prometheus.yml')) as { datasources: { uid: string; type: string; url: string }[] };
  const uid = datasources.datasources.find((d) => d.type === 'prometheus')?.uid;

  it('provides one Prometheus datasource, the one every panel and variable uses', () => {
    expect(datasources.datasources).toHaveLength(1);
    expect(uid).toBe('prometheus');
    expect(new URL(datasources.datasources[0]!.url).port).toBe('9090');
    const refs = (d: Dashboard) => [
      ...allPanels(d).filter((p) => p.type !== 'row').flatMap((p) => [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]),
      ...d.templating.list.filter((v) => v.type === 'query').map((v) => v.datasource),
    ];
    for (const d of dashboards) for (const ref of refs(d)) expect(ref, d.file).toEqual({ type: 'prometheus', uid });
  });

  it('loads the dashboards from the folder docker-compose mounts grafana/dashboards at', () => {
    const providers = readYaml(join(provisioning, 'dashboards', 'eddy.yml')) as { providers: { type: string; options: { path: string } }[] };
    expect(providers.providers).toHaveLength(1);
    const { path } = providers.providers[0]!.options;
    const deployDir = resolve(GRAFANA_DIR, '..', 'deploy');
    const compose = readYaml(join(deployDir, 'docker-compose.yml')) as { services: Record<string, { volumes?: string[] }> };
    const mounts = (compose.services.grafana?.volumes ?? []).map((v) => v.split(':'));
    const source = mounts.find(([, target]) => target === path)?.[0];
    expect(source, `no grafana volume mounts ${path}`).toBeDefined();
    expect(resolve(deployDir, source!)).toBe(DASHBOARD_DIR);
    expect(readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'))).toHaveLength(dashboards.length);
    const provisioningMount = mounts.find(([, target]) => target === '/etc/grafana/provisioning')?.[0];
    expect(provisioningMount && resolve(deployDir, provisioningMount)).toBe(provisioning);
    expect(existsSync(join(provisioning, 'datasources', 'prometheus.yml'))).toBe(true);
  });
});
