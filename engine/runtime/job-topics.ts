/**
 * A job's Kafka topics: its input, outputs and dead letters, and the internal topics named after its
 * group (changelogs and the partials between the two top-K phases), created once before anything runs.
 */
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { ensureDeadLetterTopic } from '../../connectors/kafka/dead-letter.js';
import type { BuiltJob } from '../api/job-builder.js';

/** The internal topics of a job, named after its group (as Kafka Streams names them after the application id). */
export function internalTopics(groupId: string): { changelog: string; partials: string; mergeChangelog: string } {
  return { changelog: `${groupId}-changelog`, partials: `${groupId}-partials`, mergeChangelog: `${groupId}-merge-changelog` };
}

/** The job's topics as {@link ensureJobTopics} found or made them. */
export interface JobTopics {
  /** The input topic and its partition count. */
  input: string;
  partitions: number;
  /** The dead-letter topic's `max.message.bytes`: what the job's dead letters are cut to fit. */
  deadLetterMaxBytes: number;
}

/**
 * Creates the job's topics: outputs, dead letters and the internal ones. The dead-letter topic is
 * made to take any record of the input with the dead-letter headers (see {@link ensureDeadLetterTopic}).
 *
 * @example
 * const { input, partitions, deadLetterMaxBytes } = await ensureJobTopics(job, kafkaClientOptions(), 'content-popularity');
 */
export async function ensureJobTopics(job: BuiltJob, kafka: KafkaClientOptions, groupId: string): Promise<JobTopics> {
  const source = job.graph.nodes.find((n) => n.kind === 'source');
  if (source?.kind !== 'source') throw new Error(`job ${job.graph.job} has no source`);
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  try {
    const [input] = await admin.ensureTopics([{ name: source.config.topic, partitions: 1 }]);
    const internal = internalTopics(groupId);
    const compacted = { 'cleanup.policy': 'compact' };
    const dlq = source.config.deadLetterTopic;
    const sinks = new Set(job.graph.nodes.flatMap((n) => (n.kind === 'sink' && n.config.topic !== dlq ? [n.config.topic] : [])));
    const deadLetterMaxBytes = await ensureDeadLetterTopic(admin, source.config.topic, dlq);
    await admin.ensureTopics([
      ...[...sinks].map((name) => ({ name, partitions: 1 })),
      { name: internal.changelog, partitions: input!.partitions, config: compacted },
      { name: internal.partials, partitions: 1 },
      { name: internal.mergeChangelog, partitions: 1, config: compacted },
    ]);
    return { input: source.config.topic, partitions: input!.partitions, deadLetterMaxBytes };
  } finally {
    await admin.disconnect();
  }
}
