/**
 * The job graph: plain data (JSON round-trips), built by the job API and validated before anything
 * runs. User functions are not in it: a worker thread loads the job module by path and rebuilds them,
 * keyed by node id, so no closure ever crosses a thread.
 */
import type { WindowSpec } from '../windows/window-spec.js';

export type NodeKind = 'source' | 'map' | 'filter' | 'flatMap' | 'union' | 'keyBy' | 'window' | 'topK' | 'process' | 'sink';

/** A node's output: the main one, or the late records of a window node. */
export type Port = 'main' | 'late';

/** Where a node reads from. */
export interface NodeInput {
  node: string;
  port: Port;
}

/** Per-kind configuration; everything here is JSON. */
export interface NodeConfigs {
  source: { topic: string; outOfOrdernessMs: number; idleTimeoutMs: number; deadLetterTopic: string };
  map: Record<string, never>;
  filter: Record<string, never>;
  flatMap: Record<string, never>;
  union: Record<string, never>;
  /**
   * `repartition`: records go through an internal topic to the task owning their key (the default).
   * `input`: the job declares that the input is already partitioned by this key (a topic keyed by it),
   * so records stay in their task. `partitions`: the repartition topic's partition count (null: as
   * many as the job's largest input).
   */
  keyBy: { partitioning: 'repartition' | 'input'; partitions: number | null };
  window: { window: WindowSpec; allowedLatenessMs: number; earlyFiringMs: number | null };
  /** `overall`: the group every result is in; kept first when groups are capped (see top-k-local.ts). */
  topK: { k: number; grouped: boolean; overall?: string };
  process: { states: string[] };
  sink: { topic: string };
}

export type GraphNode = {
  [K in NodeKind]: { id: string; kind: K; inputs: NodeInput[]; config: NodeConfigs[K] };
}[NodeKind];

export interface JobGraph {
  job: string;
  /** Number of key groups; fixed for the life of the job's state. */
  maxParallelism: number;
  /**
   * What happens to a record a user function keeps throwing on: tried `attempts` times in place, then
   * dead-lettered (`dlq`) or the job stops (`fail`). Absent: `dlq` after 3 attempts.
   */
  userCode?: { onError: 'dlq' | 'fail'; attempts: number };
  nodes: GraphNode[];
}

/** A graph that breaks a rule; the message names the node. */
export class InvalidJobGraphError extends Error {
  override readonly name = 'InvalidJobGraphError';
}

/** Which nodes need keyed input (a keyBy upstream, with no re-keying or un-keying in between). */
const NEEDS_KEYS: ReadonlySet<NodeKind> = new Set(['window', 'process']);

/**
 * Checks the rules a runnable graph obeys; throws {@link InvalidJobGraphError} naming the node.
 * - ids are unique and inputs exist and come earlier; only sources have no input, only unions several;
 * - no two sources read one topic;
 * - a window or process node reads a keyed stream (a keyBy, possibly through filters);
 * - topK reads the main output of a window node; `late` is read only from window nodes;
 * - at least one source and one sink.
 */
export function validateGraph(graph: JobGraph): void {
  const byId = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (!/^[a-zA-Z0-9._-]{1,64}$/.test(node.id)) throw new InvalidJobGraphError(`node '${node.id}': a name is 1-64 of [a-zA-Z0-9._-]`);
    if (byId.has(node.id)) throw new InvalidJobGraphError(`node '${node.id}': the name is used twice`);
    byId.set(node.id, node);
  }
  if (!Number.isInteger(graph.maxParallelism) || graph.maxParallelism < 1 || graph.maxParallelism > 32_768) {
    throw new InvalidJobGraphError(`maxParallelism must be an integer in 1..32768, got ${graph.maxParallelism}`);
  }
  if (graph.userCode) {
    const { onError, attempts } = graph.userCode;
    if (onError !== 'dlq' && onError !== 'fail') throw new InvalidJobGraphError(`userCode.onError must be 'dlq' or 'fail', got '${String(onError)}'`);
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) throw new InvalidJobGraphError(`userCode.attempts must be an integer in 1..100, got ${attempts}`);
  }
  const seen = new Set<string>();
  const sourceTopics = new Map<string, string>();
  for (const node of graph.nodes) {
    seen.add(node.id);
    if (node.kind === 'source') {
      if (node.inputs.length > 0) throw new InvalidJobGraphError(`node '${node.id}': a source has no input`);
      const other = sourceTopics.get(node.config.topic);
      if (other) throw new InvalidJobGraphError(`node '${node.id}' reads topic ${node.config.topic}, which source '${other}' reads already: read it once and branch the stream`);
      sourceTopics.set(node.config.topic, node.id);
      continue;
    }
    if (node.inputs.length === 0) throw new InvalidJobGraphError(`node '${node.id}' (${node.kind}) has no input`);
    if (node.kind !== 'union' && node.inputs.length > 1) throw new InvalidJobGraphError(`node '${node.id}' (${node.kind}) has ${node.inputs.length} inputs: only a union has several`);
    if (node.kind === 'union' && node.inputs.length < 2) throw new InvalidJobGraphError(`node '${node.id}' (union) needs at least two inputs`);
    for (const input of node.inputs) {
      const upstream = byId.get(input.node);
      if (!upstream) throw new InvalidJobGraphError(`node '${node.id}' reads from '${input.node}', which does not exist`);
      // Graph order is a topological order: the runtime relies on it.
      if (!seen.has(input.node) || input.node === node.id) throw new InvalidJobGraphError(`node '${node.id}' reads from '${input.node}', which comes after it`);
      if (input.port === 'late' && upstream.kind !== 'window') {
        throw new InvalidJobGraphError(`node '${node.id}' reads late records from '${upstream.id}', which is not a window`);
      }
    }
    const input = node.inputs[0]!;
    const upstream = byId.get(input.node)!;
    if (NEEDS_KEYS.has(node.kind) && !isKeyed(byId, input)) {
      throw new InvalidJobGraphError(`node '${node.id}' (${node.kind}) needs a keyed stream: add keyBy(...) before it`);
    }
    if (node.kind === 'topK' && (upstream.kind !== 'window' || input.port !== 'main')) {
      throw new InvalidJobGraphError(`node '${node.id}' (topK) must read the results of a window node, not '${upstream.id}' (${upstream.kind})`);
    }
    if (node.kind === 'keyBy' && node.config.partitions !== null && (!Number.isInteger(node.config.partitions) || node.config.partitions < 1 || node.config.partitions > 10_000)) {
      throw new InvalidJobGraphError(`node '${node.id}' (keyBy): partitions must be an integer in 1..10000, got ${node.config.partitions}`);
    }
  }
  if (!graph.nodes.some((n) => n.kind === 'source')) throw new InvalidJobGraphError('the job has no source');
  if (!graph.nodes.some((n) => n.kind === 'sink')) throw new InvalidJobGraphError('the job has no sink');
}

/** A stream is keyed when it comes from keyBy, possibly through filters (which keep records as they are). */
function isKeyed(byId: Map<string, GraphNode>, input: NodeInput): boolean {
  const node = byId.get(input.node);
  if (!node || input.port !== 'main') return false;
  if (node.kind === 'keyBy') return true;
  return node.kind === 'filter' && node.inputs.length === 1 && isKeyed(byId, node.inputs[0]!);
}

/** The nodes reading a node's port, in graph order. */
export function consumersOf(graph: JobGraph, id: string, port: Port = 'main'): GraphNode[] {
  return graph.nodes.filter((n) => n.inputs.some((i) => i.node === id && i.port === port));
}
