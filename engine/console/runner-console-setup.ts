/**
 * The console's side of a runner, assembled in one place for runner-http.ts: the routes, the live
 * sampler, the dead-letter tail (started once the job's topics exist) and the savepoints taken.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KafkaAdmin } from '../../connectors/kafka/admin.js';
import type { KafkaClientOptions } from '../../connectors/kafka/config.js';
import type { BuiltJob } from '../api/job-builder.js';
import type { SavepointManifest } from '../checkpoint/savepoint.js';
import { describePlan } from '../graph/describe-plan.js';
import type { Logger } from '../log/logger.js';
import type { RunnerMonitor } from '../runtime/runner-monitor.js';
import { DeadLetterTail } from './dead-letter-tail.js';
import { LiveSampler } from './live-sampler.js';
import { runnerConsole, type ConsoleView, type SavepointTaken } from './runner-console.js';

export interface RunnerConsoleSetup {
  routes: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** Notes a savepoint the runner took (the console lists them). */
  savepointTaken(path: string, m: SavepointManifest): void;
  /** The dead-letter topics, followed from the first request for them; failures are logged, the runner goes on. */
  followDeadLetters(topics: readonly string[]): void;
  close(): Promise<void>;
}

/**
 * @example
 * const c = runnerConsoleSetup({ job, groupId, kafka, monitor, views, actions: token !== undefined, logger });
 * await startRunnerServer({ ...opts, console: c.routes });
 */
export function runnerConsoleSetup(o: { job: BuiltJob; groupId: string; kafka: KafkaClientOptions; monitor: RunnerMonitor; views: readonly ConsoleView[]; actions: boolean; logger: Logger }): RunnerConsoleSetup {
  const sinks = o.job.graph.nodes.filter((n) => n.kind === 'sink').map((n) => n.id);
  const sampler = new LiveSampler({ collect: () => o.monitor.collect(), sinks });
  const savepoints: SavepointTaken[] = [];
  let dlqTopics: readonly string[] | undefined;
  let following: { tail: DeadLetterTail; started: Promise<boolean> } | undefined;
  // Followed from the first time someone asks: an idle runner keeps no extra consumer polling.
  const follow = (): DeadLetterTail | undefined => {
    if (!following && dlqTopics) {
      const tail = new DeadLetterTail(o.kafka, dlqTopics);
      const started = tail.start().then(
        () => true,
        (e: Error) => (o.logger.warn(`the console cannot follow the dead-letter topics: ${e.message}`), false),
      );
      following = { tail, started };
    }
    return following?.tail;
  };
  const routes = runnerConsole({
    job: o.monitor.info.job,
    groupId: o.groupId,
    plan: describePlan(o.job.graph, o.groupId),
    sampler,
    views: o.views,
    deadLetters: follow,
    savepoints: () => savepoints,
    processes: () => processesIn(o.kafka, o.groupId),
    actions: o.actions,
  });
  return {
    routes,
    savepointTaken(path, m) {
      savepoints.push({ path, tasks: m.tasks.length, bytes: m.tasks.reduce((a, t) => a + t.bytes, 0), createdAt: m.createdAt });
    },
    followDeadLetters(topics) {
      dlqTopics = topics;
    },
    async close() {
      sampler.close();
      if (following && (await following.started)) await following.tail.stop();
    },
  };
}

/** Runner processes in the group: each marks its clients' ids with its own token (`<clientId>-<token>`). */
async function processesIn(kafka: KafkaClientOptions, groupId: string): Promise<number> {
  const admin = new KafkaAdmin(kafka);
  await admin.connect();
  try {
    return new Set((await admin.groupMembers(groupId)).map((m) => m.clientId.slice(m.clientId.lastIndexOf('-') + 1))).size;
  } finally {
    await admin.disconnect();
  }
}
