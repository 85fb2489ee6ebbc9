/**
 * Savepoints across runner processes. Every runner of a job listens on its group's control topic
 * (`<group>-control`, one partition): a coordinator (the runner whose HTTP API was asked) sends each
 * phase of a savepoint there (protocol.ts `SavepointPhase`), every runner runs it on its own member
 * threads and sends back what they answered (the tasks they own, the files they wrote), and a stop
 * with a savepoint ends every runner, not only the one asked. Kafka carries the conversation because
 * every runner reaches it already; the savepoint's files go to the directory named, which every
 * runner must reach (a shared volume, as Flink needs a shared file system for its savepoints).
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import { describeZodIssue, type Serde } from '../api/serde.js';
import { KafkaSink } from '../../connectors/kafka/sink.js';
import { KafkaSource } from '../../connectors/kafka/kafka-source.js';
import { SavepointTaskSchema } from '../checkpoint/savepoint.js';
import type { Logger } from '../log/logger.js';
import { controlTopic } from './job-topics.js';
import type { SavepointPhase, SavepointReply } from './protocol.js';
import type { RunnerMonitor } from './runner-monitor.js';

const PhaseSchema = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('pause') }),
  z.object({ phase: z.literal('drain'), stage: z.string() }),
  z.object({ phase: z.literal('dump'), dir: z.string() }),
  z.object({ phase: z.literal('resume') }),
]);
const ControlMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('phase'), savepoint: z.string(), step: z.number().int(), phase: PhaseSchema }),
  z.object({ type: z.literal('reply'), savepoint: z.string(), step: z.number().int(), process: z.string(), owned: z.array(z.string()), tasks: z.array(SavepointTaskSchema), error: z.string().optional() }),
  z.object({ type: z.literal('stop'), savepoint: z.string() }),
]);
type ControlMessage = z.infer<typeof ControlMessageSchema>;

/** A runner's answer to one phase. */
export interface ProcessReply extends SavepointReply {
  process: string;
  error?: string;
}

const controlSerde: Serde<ControlMessage> = {
  decode(value) {
    try {
      const parsed = ControlMessageSchema.safeParse(JSON.parse(value?.toString('utf8') ?? ''));
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: 'schema', detail: describeZodIssue(parsed.error) };
    } catch (e) {
      return { ok: false, reason: 'decode', detail: (e as Error).message };
    }
  },
  encode: (v) => Buffer.from(JSON.stringify(v)),
};

/** How long a runner's members may take over one phase. */
const MEMBER_TIMEOUT_MS = 120_000;

/**
 * Runs a phase on this runner's members: every live member must answer. A runner without members
 * (still starting, or all stopped) owns no task and answers so.
 */
export async function localPhase(monitor: RunnerMonitor, p: SavepointPhase): Promise<SavepointReply> {
  const members = monitor.members;
  if (members === 0) return { owned: [], tasks: [] };
  const replies = await monitor.ask((id) => ({ type: 'savepoint', id, ...p }), MEMBER_TIMEOUT_MS);
  const failed = replies.find((r) => r.type === 'savepoint' && r.error !== undefined);
  if (failed?.type === 'savepoint') throw new Error(failed.error);
  if (replies.length < members) throw new Error(`${members - replies.length} member(s) did not answer in ${MEMBER_TIMEOUT_MS / 1000} s`);
  const answers = replies.flatMap((r) => (r.type === 'savepoint' && r.reply ? [r.reply] : []));
  return { owned: answers.flatMap((a) => a.owned), tasks: answers.flatMap((a) => a.tasks) };
}

export interface SavepointControlOptions {
  kafka: KafkaClientOptions;
  groupId: string;
  monitor: RunnerMonitor;
  /** What a stop with a savepoint, asked of any runner of the job, does here. */
  stop: () => void;
  logger: Logger;
}

/**
 * @example
 * const control = await SavepointControl.start({ kafka, groupId, monitor, stop, logger });
 * const replies = await control.phase(id, 1, { phase: 'pause' }, (rs) => covered(rs), 10_000);
 */
export class SavepointControl {
  /** This runner, as its replies name it. */
  readonly process = randomUUID();
  readonly #waiting = new Map<string, (reply: ProcessReply) => void>();

  private constructor(
    private readonly o: SavepointControlOptions,
    private readonly sink: KafkaSink,
    private readonly source: KafkaSource<ControlMessage>,
  ) {}

  static async start(o: SavepointControlOptions): Promise<SavepointControl> {
    const topic = controlTopic(o.groupId);
    const sink = new KafkaSink(o.kafka, { mode: 'idempotent', batchSize: 1 });
    await sink.connect();
    // A group of this runner's own, reading from the end: commands sent before it started are not its.
    // A fetch waits at the broker until a command comes or half a second passes (long polling).
    const source = new KafkaSource(o.kafka, { groupId: `${topic}-${randomUUID()}`, topics: [topic], startFrom: 'latest', autoCommit: false }, controlSerde, {
      write: async (records) => records.forEach((r) => o.logger.warn(`ignored a record of ${topic} (${r.reason}: ${r.detail})`)),
    });
    const control = new SavepointControl(o, sink, source);
    await source.start(async (batch) => {
      for (const r of batch.records) await control.#received(r.value);
    });
    return control;
  }

  async #received(m: ControlMessage): Promise<void> {
    if (m.type === 'reply') return this.#waiting.get(`${m.savepoint}:${m.step}`)?.({ process: m.process, owned: m.owned, tasks: m.tasks, ...(m.error !== undefined ? { error: m.error } : {}) });
    if (m.type === 'stop') {
      this.o.logger.info(`stopping: savepoint ${m.savepoint} was taken to stop the job`);
      return this.o.stop();
    }
    // Answered in the background: the next command (or this runner's own reply) may arrive meanwhile.
    void localPhase(this.o.monitor, m.phase).then(
      (reply) => this.#send({ type: 'reply', savepoint: m.savepoint, step: m.step, process: this.process, ...reply }),
      (e: unknown) => this.#send({ type: 'reply', savepoint: m.savepoint, step: m.step, process: this.process, owned: [], tasks: [], error: (e as Error).message }),
    ).catch((e: unknown) => this.o.logger.error(`could not answer savepoint ${m.savepoint}: ${(e as Error).message}`));
  }

  async #send(m: ControlMessage): Promise<void> {
    await this.sink.send(controlTopic(this.o.groupId), [{ key: m.savepoint, value: JSON.stringify(m) }]);
    await this.sink.flush();
  }

  /**
   * Sends step `step` of savepoint `savepoint` to every runner and gathers replies until `enough`
   * says so; throws when one fails or `timeoutMs` passes first.
   */
  async phase(savepoint: string, step: number, p: SavepointPhase, enough: (replies: readonly ProcessReply[]) => boolean, timeoutMs: number): Promise<ProcessReply[]> {
    const replies: ProcessReply[] = [];
    const key = `${savepoint}:${step}`;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`savepoint ${p.phase} phase: ${replies.length === 0 ? 'no runner answered' : `only ${replies.length} runner(s) answered`} in ${timeoutMs / 1000} s`)), timeoutMs);
        this.#waiting.set(key, (r) => {
          if (r.error !== undefined) reject(new Error(`savepoint ${p.phase} phase failed in a runner: ${r.error}`));
          replies.push(r);
          if (enough(replies)) resolve();
        });
        this.#send({ type: 'phase', savepoint, step, phase: p }).catch(reject);
      });
    } finally {
      clearTimeout(timer);
      this.#waiting.delete(key);
    }
    return replies;
  }

  /** Ends every runner of the job (a stop with a savepoint). */
  stopAll(savepoint: string): Promise<void> {
    return this.#send({ type: 'stop', savepoint });
  }

  async close(): Promise<void> {
    await this.source.stop().catch(() => undefined);
    await this.sink.disconnect().catch(() => undefined);
  }
}
