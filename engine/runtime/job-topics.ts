/**
 * A job's Kafka topics: its inputs, outputs and dead letters, and the internal topics named after its
 * group (each stage's changelog, each exchange's repartition or partials topic), created once before
 * anything runs; and the layout of its stages over them (graph/stage-plan.ts).
 */
import { KafkaAdmin, type TopicSpec } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { ensureDeadLetterTopic } from '../../connectors/kafka/dead-letter.js';
import type { BuiltJob } from '../api/job-builder.js';
import type { GraphNode, JobGraph } from '../graph/job-graph.js';
import { changelogTopic, exchangeTopic, planStages, type Stage, type StagePlan } from '../graph/stage-plan.js';

/** A stage as it runs under a group: what its tasks read and write. */
export interface StageLayout {
  stage: Stage;
  /** The topic its tasks read (one task per partition) and the consumer group they commit to. */
  topic: string;
  partitions: number;
  groupId: string;
  changelog: string;
  /** Exchange topics it writes, by exchange node. */
  exits: { node: string; topic: string; partitions: number }[];
  /** Tasks (`<stage>:<partition>`) whose watermark markers an exchange stage waits for; none for a source stage. */
  producers: string[];
  /** Where its dead letters go: its source's topic, or (an exchange stage) the job's first source's. */
  deadLetterTopic: string;
  /** Source stages: the source's watermark settings. */
  source?: { node: string; outOfOrdernessMs: number };
  /** A task without input for this long does not hold the watermark back (0: never). */
  idleTimeoutMs: number;
}

export interface JobLayout {
  plan: StagePlan;
  stages: StageLayout[];
  /** `max.message.bytes` of each dead-letter topic: what dead letters are cut to fit. */
  deadLetterMaxBytes: Record<string, number>;
}

/** A task's id: its stage and partition. */
export function taskId(stage: string, partition: number): string {
  return `${stage}:${partition}`;
}

/** Where a job's runners talk about savepoints (savepoint-control.ts). */
export function controlTopic(groupId: string): string {
  return `${groupId}-control`;
}

/** The consumer group of a job's exchange stages (its source stages use the job's group). */
export function exchangeGroup(groupId: string): string {
  return `${groupId}-exchange`;
}

type SourceNode = GraphNode & { kind: 'source' };

/**
 * The layout for the partition counts of the topics that exist (pure). An exchange topic not made
 * yet gets its keyBy's partition count, or the largest input's; a merge has one partition.
 *
 * @example
 * layoutStages(job.graph, 'content-popularity', new Map([['watch-events', 8]]));
 */
export function layoutStages(graph: JobGraph, groupId: string, topicPartitions: ReadonlyMap<string, number>, plan: StagePlan = planStages(graph)): StageLayout[] {
  const sources = graph.nodes.filter((n): n is SourceNode => n.kind === 'source');
  const widest = Math.max(...sources.map((s) => topicPartitions.get(s.config.topic) ?? 1));
  const exchangeParts = new Map(plan.exchanges.map((e) => [e.node, topicPartitions.get(exchangeTopic(groupId, e)) ?? e.partitions ?? widest]));
  const partitionsOf = new Map<string, number>();
  const layouts: StageLayout[] = [];
  for (const stage of plan.stages) {
    const exits = stage.exits.map((node) => {
      const e = plan.exchanges.find((x) => x.node === node)!;
      return { node, topic: exchangeTopic(groupId, e), partitions: exchangeParts.get(node)! };
    });
    const changelog = changelogTopic(groupId, stage.id);
    if (stage.input.kind === 'source') {
      const src = sources.find((s) => s.id === stage.input.node)!;
      const partitions = topicPartitions.get(src.config.topic) ?? 1;
      partitionsOf.set(stage.id, partitions);
      layouts.push({
        stage, topic: src.config.topic, partitions, groupId, changelog, exits, producers: [],
        deadLetterTopic: src.config.deadLetterTopic, source: { node: src.id, outOfOrdernessMs: src.config.outOfOrdernessMs }, idleTimeoutMs: src.config.idleTimeoutMs,
      });
      continue;
    }
    const e = plan.exchanges.find((x) => x.node === stage.input.node)!;
    // Stages come in graph order, so every producer stage is laid out already.
    const producers = e.from.flatMap((s) => Array.from({ length: partitionsOf.get(s)! }, (_, p) => taskId(s, p)));
    const partitions = exchangeParts.get(e.node)!;
    partitionsOf.set(stage.id, partitions);
    layouts.push({
      stage, topic: exchangeTopic(groupId, e), partitions, groupId: exchangeGroup(groupId), changelog, exits, producers,
      deadLetterTopic: sources[0]!.config.deadLetterTopic, idleTimeoutMs: Math.max(0, ...sources.map((s) => s.config.idleTimeoutMs)),
    });
  }
  return layouts;
}

/**
 * Creates the job's topics: inputs (one partition if missing), outputs, dead letters (made to take
 * any record of their input with the dead-letter headers, see {@link ensureDeadLetterTopic}), each
 * exchange's topic and each stage's changelog; and lays the stages out over them.
 *
 * @example
 * const { stages, deadLetterMaxBytes } = await ensureJobTopics(job, kafkaClientOptions(), 'content-popularity');
 */
export async function ensureJobTopics(job: BuiltJob, kafka: KafkaClientOptions, groupId: string): Promise<JobLayout> {
  const plan = planStages(job.graph);
  const sources = job.graph.nodes.filter((n): n is SourceNode => n.kind === 'source');
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  try {
    // Before any topic is made: a group an Eddy before stages ran keeps its state where this one would not look.
    const old = `${groupId}-merge-changelog`;
    const existing = await admin.topics();
    if (existing.includes(old)) {
      throw new Error(`group ${groupId} ran with an older Eddy (topic ${old} exists), whose state this one cannot read: start under a new --group-id (its savepoints cannot be restored either)`);
    }
    const inputs = await admin.ensureTopics(sources.map((s) => ({ name: s.config.topic, partitions: 1 })));
    const counts = new Map(inputs.map((t) => [t.name, t.partitions]));
    // Exchange topics first: one made earlier keeps its partition count, and its readers are as many.
    // Several stages may write one exchange (after a union): each topic once.
    const exchanges = new Map(layoutStages(job.graph, groupId, counts, plan).flatMap((s) => s.exits.map((e) => [e.topic, e.partitions] as const)));
    for (const t of await admin.ensureTopics([...exchanges].map(([name, partitions]) => ({ name, partitions })))) counts.set(t.name, t.partitions);
    const stages = layoutStages(job.graph, groupId, counts, plan);
    const deadLetterMaxBytes: Record<string, number> = {};
    for (const s of sources) deadLetterMaxBytes[s.config.deadLetterTopic] ??= await ensureDeadLetterTopic(admin, s.config.topic, s.config.deadLetterTopic);
    const dlqs = new Set(Object.keys(deadLetterMaxBytes));
    const sinks = new Set(job.graph.nodes.flatMap((n) => (n.kind === 'sink' && !dlqs.has(n.config.topic) ? [n.config.topic] : [])));
    const compacted = { 'cleanup.policy': 'compact' };
    const changelogs: TopicSpec[] = stages.map((s) => ({ name: s.changelog, partitions: s.partitions, config: compacted }));
    // The savepoint conversation between runners (savepoint-control.ts): nothing there is kept for long.
    const control = { name: controlTopic(groupId), partitions: 1, config: { 'retention.ms': String(3_600_000) } };
    await admin.ensureTopics([...[...sinks].map((name) => ({ name, partitions: 1 })), ...changelogs, control]);
    return { plan, stages, deadLetterMaxBytes };
  } finally {
    await admin.disconnect();
  }
}
