import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { count } from '../aggregate/aggregate-function.js';
import { JobBuilder } from '../api/job-builder.js';
import { jsonSerde } from '../api/serde.js';
import { tumbling } from '../windows/window-spec.js';
import { InvalidJobGraphError } from './job-graph.js';
import { exchangeTopic, planStages } from './stage-plan.js';

type E = { user: string; page: string; t: number };
const src = (b: JobBuilder, name: string, topic = name) => b.source<E>(name, { topic, serde: jsonSerde(z.object({ user: z.string(), page: z.string(), t: z.number() })), timestamp: (e) => e.t });
const out = { topic: 'out', encode: (v: unknown) => ({ key: null, value: JSON.stringify(v) }) };

describe('planStages', () => {
  it('keeps a job whose keyBy declares the input partitioning in one stage, and cuts at a top-K merge', () => {
    const b = new JobBuilder('j');
    src(b, 'in').keyBy('by-user', (e) => e.user, { partitioning: 'input' }).window(tumbling(10)).aggregate('n', count()).topK('top', { k: 3, score: (n) => n }).sink('o', out);
    const { stages, exchanges } = planStages(b.build().graph);
    expect(stages.map((s) => [s.id, s.input, s.nodes, s.exits])).toEqual([
      ['in', { kind: 'source', node: 'in' }, ['in', 'by-user', 'n', 'top'], ['top']],
      ['top', { kind: 'exchange', node: 'top' }, ['top', 'o'], []],
    ]);
    expect(exchanges).toEqual([{ node: 'top', kind: 'merge', partitions: 1, from: ['in'] }]);
    expect(exchangeTopic('g', exchanges[0]!)).toBe('g-top-partials');
  });

  it('repartitions at a keyBy by default, with the stages of a union writing one topic', () => {
    const b = new JobBuilder('j');
    src(b, 'web').union('all', src(b, 'app')).map('tag', (e) => ({ ...e, page: e.page.toLowerCase() })).keyBy('by-page', (e) => e.page, { partitions: 12 }).window(tumbling(10)).aggregate('n', count()).sink('o', out);
    const { stages, exchanges } = planStages(b.build().graph);
    expect(stages.map((s) => [s.id, s.nodes, s.exits])).toEqual([
      ['web', ['web', 'all', 'tag'], ['by-page']],
      ['app', ['app', 'all', 'tag'], ['by-page']],
      ['by-page', ['by-page', 'n', 'o'], []],
    ]);
    expect(exchanges).toEqual([{ node: 'by-page', kind: 'repartition', partitions: 12, from: ['web', 'app'] }]);
    expect(exchangeTopic('g', exchanges[0]!)).toBe('g-by-page-repartition');
  });

  it('refuses a declared partitioning fed by several stages', () => {
    const declared = new JobBuilder('j');
    src(declared, 'x').union('u', src(declared, 'y')).keyBy('k', (e) => e.user, { partitioning: 'input' }).window(tumbling(10)).aggregate('n', count()).sink('o', out);
    expect(() => declared.build()).toThrow(InvalidJobGraphError);
    expect(() => declared.build()).toThrow(/node 'k' \(keyBy\) declares partitioning: 'input', but its records come from several stages \('x', 'y'\)/);
  });

  it('refuses two sources on one topic, and a union of one stream', () => {
    const twice = new JobBuilder('j');
    src(twice, 'a', 't').union('u', src(twice, 'b', 't')).sink('o', out);
    expect(() => twice.build()).toThrow(/node 'b' reads topic t, which source 'a' reads already/);
    expect(() => src(new JobBuilder('j'), 'a').union('u')).toThrow(/union needs at least one other stream/);
  });
});
