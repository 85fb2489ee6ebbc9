/**
 * The stage plan: a job graph cut into stages connected by internal Kafka topics, the way Kafka
 * Streams cuts a topology into sub-topologies. A stage starts at a source (its tasks read the
 * source topic's partitions), at a keyBy that repartitions (its tasks read the repartition topic) or
 * at a top-K's merge phase (one task reading the partials topic). Everything else runs in the stage
 * of its input: a map, a declared-partitioning keyBy, a window, a top-K's local phase. A stateless
 * node fed by several stages (after a union) runs in each of them; a stateful one cannot, since its
 * keys would be split between stages.
 *
 * Pure and deterministic: the same graph gives the same plan; topic names need the group.
 */
import { InvalidJobGraphError, type GraphNode, type JobGraph } from './job-graph.js';

/** Where records leave one stage for another. */
export interface Exchange {
  /** The node at the boundary: a repartitioning keyBy, or a top-K (its partials to its merge). */
  node: string;
  kind: 'repartition' | 'merge';
  /** Partition count: a keyBy's own, null = the job's largest input; a merge has one. */
  partitions: number | null;
  /** Stages writing it. */
  from: string[];
}

export interface Stage {
  /** The node it starts at (a source, a repartitioning keyBy, a top-K); names its tasks and changelog. */
  id: string;
  /** What its tasks read: a source topic, or the internal topic of an exchange. */
  input: { kind: 'source'; node: string } | { kind: 'exchange'; node: string };
  /** Nodes this stage runs, in graph order (a top-K here runs its local phase unless it is the head). */
  nodes: string[];
  /** Exchanges this stage writes. */
  exits: string[];
}

export interface StagePlan {
  stages: Stage[];
  exchanges: Exchange[];
}

/** A keyBy whose records cross an internal topic. */
export function repartitions(node: GraphNode): boolean {
  return node.kind === 'keyBy' && node.config.partitioning === 'repartition';
}

/**
 * Cuts a (validated) graph into stages; throws {@link InvalidJobGraphError} when a declared-partitioning
 * keyBy is fed by several stages.
 *
 * @example
 * const { stages } = planStages(job.graph); // content-popularity: [watch-events, top-k]
 */
export function planStages(graph: JobGraph): StagePlan {
  /** The stages a node's output is in. */
  const stagesOf = new Map<string, string[]>();
  const stages = new Map<string, Stage>();
  const exchanges: Exchange[] = [];
  const open = (node: GraphNode, input: Stage['input']): void => {
    stages.set(node.id, { id: node.id, input, nodes: [node.id], exits: [] });
    stagesOf.set(node.id, [node.id]);
  };
  for (const node of graph.nodes) {
    if (node.kind === 'source') {
      open(node, { kind: 'source', node: node.id });
      continue;
    }
    const from = [...new Set(node.inputs.flatMap((i) => stagesOf.get(i.node) ?? []))];
    if (repartitions(node) || node.kind === 'topK') {
      if (node.kind === 'topK') {
        // The local phase runs where its window does (one stage: a window is stateful).
        for (const s of from) stages.get(s)!.nodes.push(node.id);
      }
      for (const s of from) stages.get(s)!.exits.push(node.id);
      const kind = node.kind === 'topK' ? 'merge' : 'repartition';
      exchanges.push({ node: node.id, kind, partitions: node.kind === 'keyBy' ? node.config.partitions : 1, from });
      open(node, { kind: 'exchange', node: node.id });
      continue;
    }
    // Keyed state needs a keyBy before it (validateGraph), so a declared keyBy is where a union of
    // stages would split keys: nothing else stateful can be fed by several stages.
    if (from.length > 1 && node.kind === 'keyBy') {
      throw new InvalidJobGraphError(`node '${node.id}' (keyBy) declares partitioning: 'input', but its records come from several stages (${from.map((s) => `'${s}'`).join(', ')}), which share no partitioning: let it repartition`);
    }
    for (const s of from) stages.get(s)!.nodes.push(node.id);
    stagesOf.set(node.id, from);
  }
  return { stages: [...stages.values()], exchanges };
}

/** The internal topic of an exchange: `<group>-<node>-repartition` or `<group>-<node>-partials`. */
export function exchangeTopic(groupId: string, exchange: Pick<Exchange, 'node' | 'kind'>): string {
  return `${groupId}-${exchange.node}-${exchange.kind === 'merge' ? 'partials' : 'repartition'}`;
}

/** A stage's changelog topic (one partition per task). */
export function changelogTopic(groupId: string, stage: string): string {
  return `${groupId}-${stage}-changelog`;
}
