import { describe, expect, it } from 'vitest';
import { tumbling } from '../windows/window-spec.js';
import { InvalidJobGraphError, validateGraph, type GraphNode, type JobGraph } from './job-graph.js';

const source: GraphNode = { id: 'in', kind: 'source', inputs: [], config: { topic: 't', outOfOrdernessMs: 0, idleTimeoutMs: 0, deadLetterTopic: 't-dlq' } };
const keyBy: GraphNode = { id: 'by-key', kind: 'keyBy', inputs: [{ node: 'in', port: 'main' }], config: { partitioning: 'repartition', partitions: null } };
const window = (input: string): GraphNode => ({ id: 'w', kind: 'window', inputs: [{ node: input, port: 'main' }], config: { window: tumbling(10), allowedLatenessMs: 0, earlyFiringMs: null } });
const sink = (input: string, port: 'main' | 'late' = 'main'): GraphNode => ({ id: `out-${input}-${port}`, kind: 'sink', inputs: [{ node: input, port }], config: { topic: 'o' } });
const graph = (...nodes: GraphNode[]): JobGraph => ({ job: 'j', maxParallelism: 128, nodes });

describe('validateGraph', () => {
  it('accepts a keyed window job and survives a JSON round trip', () => {
    const g = graph(source, keyBy, window('by-key'), sink('w'), sink('w', 'late'));
    expect(() => validateGraph(g)).not.toThrow();
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
  });

  it.each([
    ['a window on an unkeyed stream', graph(source, window('in'), sink('w')), /node 'w' \(window\) needs a keyed stream/],
    ['a duplicate name', graph(source, { ...keyBy, id: 'in' }, sink('in')), /node 'in': the name is used twice/],
    ['a missing input', graph(source, sink('nowhere')), /reads from 'nowhere', which does not exist/],
    ['late records of a non-window', graph(source, sink('in', 'late')), /reads late records from 'in', which is not a window/],
    ['no sink', graph(source), /no sink/],
    ['a topK not after a window', graph(source, keyBy, { id: 'top', kind: 'topK', inputs: [{ node: 'by-key', port: 'main' }], config: { k: 3, grouped: false } }, sink('top')), /node 'top' \(topK\) must read the results of a window node/],
  ])('rejects %s, naming the node', (_what, g, message) => {
    expect(() => validateGraph(g)).toThrow(InvalidJobGraphError);
    expect(() => validateGraph(g)).toThrow(message);
  });
});
