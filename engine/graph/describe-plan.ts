/**
 * The stage plan as `eddy plan` prints it: each stage, what its tasks read, its nodes with their
 * inputs, and every internal topic the job uses under a group.
 */
import type { GraphNode, JobGraph } from './job-graph.js';
import { changelogTopic, exchangeTopic, planStages, type Exchange } from './stage-plan.js';

/** The plan as data (`eddy plan --json`): the graph, its stages and the internal topics. */
export interface PlanDescription {
  job: string;
  groupId: string;
  stages: { id: string; reads: string; tasks: string; nodes: string[]; writes: string[]; changelog: string }[];
  internalTopics: { name: string; role: string; partitions: string }[];
  graph: JobGraph;
}

function partitionsOf(e: Exchange): string {
  return e.partitions === null ? "as many as the job's largest input" : String(e.partitions);
}

/**
 * @example
 * describePlan(job.graph, 'content-popularity').stages.map((s) => s.id); // ['watch-events', 'top-k']
 */
export function describePlan(graph: JobGraph, groupId: string): PlanDescription {
  const plan = planStages(graph);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const exchanges = new Map(plan.exchanges.map((e) => [e.node, e]));
  const topicOf = (node: string): string => exchangeTopic(groupId, exchanges.get(node)!);
  const stages = plan.stages.map((s) => {
    const head = byId.get(s.id)!;
    const reads = head.kind === 'source' ? head.config.topic : topicOf(s.id);
    const tasks = head.kind === 'source' ? `one per partition of ${reads}` : `${partitionsOf(exchanges.get(s.id)!)} (one per partition of ${reads})`;
    return {
      id: s.id, reads, tasks,
      // A repartitioning keyBy is an exit only (it runs in the stage it heads); a top-K's local phase runs here too.
      nodes: [...s.nodes, ...s.exits.filter((id) => !s.nodes.includes(id))].map((id) => nodeLine(byId.get(id)!, s.id, s.exits.includes(id) ? topicOf(id) : undefined)),
      writes: s.exits.map(topicOf),
      changelog: changelogTopic(groupId, s.id),
    };
  });
  const internalTopics = [
    ...plan.exchanges.map((e) => ({ name: exchangeTopic(groupId, e), role: e.kind === 'merge' ? `partial top-Ks of ${e.node}, to its merge` : `records keyed by ${e.node}, to the tasks owning their keys`, partitions: partitionsOf(e) })),
    ...plan.stages.map((s) => ({ name: changelogTopic(groupId, s.id), role: `changelog of stage ${s.id} (compacted)`, partitions: `as many as stage ${s.id} has tasks` })),
  ];
  return { job: graph.job, groupId, stages, internalTopics, graph };
}

function nodeLine(n: GraphNode, stage: string, exit: string | undefined): string {
  const from = n.inputs.map((i) => (i.port === 'main' ? i.node : `${i.node}.${i.port}`)).join(', ');
  const what = ((): string => {
    switch (n.kind) {
      case 'source':
        return `source, topic ${n.config.topic}`;
      case 'keyBy':
        return exit ? `keyBy, repartitions ⇒ ${exit}` : n.id === stage ? 'keyBy, reads its repartition topic' : 'keyBy, input partitioning (no shuffle)';
      case 'window': {
        const w = n.config.window;
        return `window ${w.kind === 'sliding' ? `sliding ${w.size}/${w.slide} ms` : w.kind === 'tumbling' ? `tumbling ${w.size} ms` : `session, gap ${w.gap} ms`}`;
      }
      case 'topK':
        return n.id === stage ? `top-${n.config.k} merge phase` : `top-${n.config.k} local phase ⇒ ${exit}`;
      case 'sink':
        return `sink, topic ${n.config.topic}`;
      default:
        return n.kind;
    }
  })();
  return `${n.id}: ${what}${from && !(n.id === stage && n.kind !== 'source') ? ` ← ${from}` : ''}`;
}

/** The description as text. */
export function formatPlan(d: PlanDescription): string {
  const lines = [`job ${d.job}, group ${d.groupId}: ${d.stages.length} stage${d.stages.length === 1 ? '' : 's'}`, ''];
  for (const s of d.stages) {
    lines.push(`stage ${s.id}: reads ${s.reads}; tasks: ${s.tasks}`);
    for (const n of s.nodes) lines.push(`  ${n}`);
    lines.push('');
  }
  lines.push('internal topics:');
  for (const t of d.internalTopics) lines.push(`  ${t.name}: ${t.role}; partitions: ${t.partitions}`);
  return `${lines.join('\n')}\n`;
}
