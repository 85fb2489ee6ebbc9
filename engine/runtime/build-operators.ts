/**
 * Turns graph nodes into operator instances: the one exhaustive switch over node kinds. Sources,
 * unions, keyBy and sinks are not operators; the executor handles them (they route and cross boundaries).
 */
import type { FunctionTable, NodeFunctions } from '../api/functions.js';
import type { GraphNode } from '../graph/job-graph.js';
import { FilterOperator } from '../operators/filter.js';
import { FlatMapOperator } from '../operators/flat-map.js';
import { KeyedProcessOperator } from '../operators/keyed-process.js';
import { MapOperator } from '../operators/map.js';
import type { Operator, OperatorContext } from '../operators/operator.js';
import { SessionWindowOperator } from '../operators/session-window.js';
import { TopKLocalOperator } from '../operators/top-k-local.js';
import { TopKMergeOperator } from '../operators/top-k-merge.js';
import { WindowAggregateOperator } from '../operators/window-aggregate.js';

/** Tables each stateful kind reserves in the key layout. */
export function tablesNeeded(kind: GraphNode['kind']): number {
  return kind === 'window' ? 2 : kind === 'process' ? 4 : kind === 'topK' ? 1 : 0;
}

function fns<K extends NodeFunctions['kind']>(functions: FunctionTable, node: GraphNode, kind: K): Extract<NodeFunctions, { kind: K }> {
  const f = functions.get(node.id);
  if (!f || f.kind !== kind) throw new Error(`node '${node.id}': the job module did not rebuild a ${kind} function for it`);
  return f as Extract<NodeFunctions, { kind: K }>;
}

/** The operator of a node in one task; for topK, the local phase (the merge phase is built separately). */
export function buildOperator(node: GraphNode, functions: FunctionTable, ctx: OperatorContext): Operator | undefined {
  switch (node.kind) {
    case 'source':
    case 'union':
    case 'keyBy':
    case 'sink':
      return undefined;
    case 'map':
      return new MapOperator(ctx, fns(functions, node, 'map').fn);
    case 'filter':
      return new FilterOperator(ctx, fns(functions, node, 'filter').fn);
    case 'flatMap':
      return new FlatMapOperator(ctx, fns(functions, node, 'flatMap').fn);
    case 'window':
      return node.config.window.kind === 'session'
        ? new SessionWindowOperator(ctx, node.config, fns(functions, node, 'window').aggregate)
        : new WindowAggregateOperator(ctx, node.config, fns(functions, node, 'window').aggregate);
    case 'topK': {
      const f = fns(functions, node, 'topK');
      return new TopKLocalOperator(ctx, node.config, f.score, f.groups);
    }
    case 'process':
      return new KeyedProcessOperator(ctx, node.config, fns(functions, node, 'process').fn);
    default: {
      const never: never = node;
      throw new Error(`unknown node kind ${(never as GraphNode).kind}`);
    }
  }
}

/** The merge phase of a topK node (one instance for the whole job; its state in `ctx`). */
export function buildMergeOperator(node: GraphNode & { kind: 'topK' }, ctx: OperatorContext): TopKMergeOperator {
  return new TopKMergeOperator(ctx, node.config);
}
