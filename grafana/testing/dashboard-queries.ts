/**
 * Reads the Grafana dashboards of grafana/dashboards/ as data: every panel query and template
 * variable query, with Grafana's variables substituted, and the metric and label names a PromQL
 * expression uses. Both the static test and the real-Prometheus test run through it, so they check
 * the same set of queries.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GRAFANA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DASHBOARD_DIR = join(GRAFANA_DIR, 'dashboards');

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DatasourceRef;
  targets?: { refId: string; expr?: string; legendFormat?: string; datasource?: DatasourceRef; instant?: boolean }[];
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  query?: { query: string } | string;
  datasource?: DatasourceRef;
}

export interface Dashboard {
  file: string;
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: DatasourceRef | undefined;
}

/** Every dashboard JSON file, parsed (throws on invalid JSON, naming the file). */
export function loadDashboards(dir = DASHBOARD_DIR): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      try {
        return { ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Omit<Dashboard, 'file'>), file };
      } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}`);
      }
    });
}

/** Panels in layout order; rows contribute their (collapsed) children. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** The queries of every panel that draws data (every panel but rows). */
export function panelQueries(d: Dashboard): PanelQuery[] {
  return allPanels(d)
    .filter((p) => p.type !== 'row')
    .flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        dashboard: d.file,
        panel: p.title,
        refId: t.refId,
        expr: t.expr ?? '',
        legendFormat: t.legendFormat ?? '',
        datasource: t.datasource ?? p.datasource,
      })),
    );
}

/** The query text of a template variable of type `query`. */
export function variableQuery(v: Variable): string | undefined {
  if (v.type !== 'query' || v.query === undefined) return undefined;
  return typeof v.query === 'string' ? v.query : v.query.query;
}

/**
 * Replaces Grafana's variables as Grafana would before sending a query: `$name` and `${name}` by
 * the given values, `$__rate_interval` and `$__interval` by fixed durations.
 */
export function substitute(expr: string, values: Readonly<Record<string, string>>, rateInterval = '15s'): string {
  const all: Record<string, string> = { __rate_interval: rateInterval, __interval: rateInterval, ...values };
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, braced?: string, bare?: string) => all[braced ?? bare ?? ''] ?? m);
}

export interface PromqlNames {
  /** Metric names selected, e.g. `eddy_checkpoint_duration_seconds_bucket`. */
  metrics: string[];
  /** Label names used in each metric's own selector. */
  selectorLabels: Map<string, string[]>;
  /** Label names in `by (...)`, `without (...)`, `on (...)` and `ignoring (...)` clauses. */
  groupingLabels: string[];
  /** Identifiers called as functions or aggregations, e.g. `rate`, `sum`. */
  functions: string[];
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan']);

/**
 * The names a PromQL expression uses: enough of a parser for dashboard queries (selectors,
 * functions, aggregations with grouping clauses, binary operators, numbers, strings).
 */
export function promqlNames(expr: string): PromqlNames {
  const selectorLabels = new Map<string, string[]>();
  const groupingLabels: string[] = [];
  const functions: string[] = [];
  const metrics: string[] = [];
  // Strings first, so that nothing inside them reads as a name.
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  rest = rest.replace(/\b(by|without|on|ignoring)\s*\(([^)]*)\)/g, (_m, _kw: string, list: string) => {
    groupingLabels.push(...list.split(',').map((s) => s.trim()).filter(Boolean));
    return ' ';
  });
  rest = rest.replace(/([A-Za-z_:][\w:]*)?\s*\{([^}]*)\}/g, (_m, name: string | undefined, matchers: string) => {
    const labels = [...matchers.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]!);
    if (name) {
      metrics.push(name);
      selectorLabels.set(name, [...(selectorLabels.get(name) ?? []), ...labels]);
    }
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  for (const m of rest.matchAll(/([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    const name = m[1]!;
    if (m[2]) functions.push(name);
    else if (!KEYWORDS.has(name.toLowerCase()) && !/^\d/.test(name)) metrics.push(name);
  }
  return { metrics, selectorLabels, groupingLabels, functions };
}
