/**
 * A job's Kafka topics: its input, outputs and dead letters, and the internal topics named after its
 * group (changelogs and the partials between the two top-K phases), created once before anything runs.
 */
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import type { BuiltJob } from '../api/job-builder.js';

/** The internal topics of a job, named after its group (as Kafka Streams names them after the application id). */
export function internalTopics(groupId: string): { changelog: string; partials: string; mergeChangelog: string } {
  return { changelog: `${groupId}-changelog`, partials: `${groupId}-partials`, mergeChangelog: `${groupId}-merge-changelog` };
}

/** Creates the job's topics: outputs, dead letters and the internal ones. */
export async function ensureJobTopics(job: BuiltJob, kafka: KafkaClientOptions, groupId: string): Promise<{ input: string; partitions: number }> {
  const source = job.graph.nodes.find((n) => n.kind === 'source');
  if (source?.kind !== 'source') throw new Error(`job ${job.graph.job} has no source`);
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  try {
    const [input] = await admin.ensureTopics([{ name: source.config.topic, partitions: 1 }]);
    const internal = internalTopics(groupId);
    const compacted = { 'cleanup.policy': 'compact' };
    const sinks = job.graph.nodes.flatMap((n) => (n.kind === 'sink' ? [n.config.topic] : []));
    await admin.ensureTopics([
      ...[...new Set([...sinks, source.config.deadLetterTopic])].map((name) => ({ name, partitions: 1 })),
      { name: internal.changelog, partitions: input!.partitions, config: compacted },
      { name: internal.partials, partitions: 1 },
      { name: internal.mergeChangelog, partitions: 1, config: compacted },
    ]);
    return { input: source.config.topic, partitions: input!.partitions };
  } finally {
    await admin.disconnect();
  }
}
