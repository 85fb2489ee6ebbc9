/**
 * vitest global setup of the integration tier: a real Apache Kafka broker for every *.itest.ts.
 * Uses KAFKA_BROKERS when set; otherwise the project's local broker, started if it is not running
 * (and stopped again afterwards if this run started it). Never skips: without a broker, it fails
 * with the way to get one.
 */
import type { TestProject } from 'vitest/node';
import { KafkaAdmin } from '../admin.js';
import { kafkaClientOptions } from '../config.js';
import { LocalBroker } from '../../../deploy/local/local-broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

const HOW_TO = "Start one with 'npx eddy kafka start' (needs Java 17+ and Maven) or point KAFKA_BROKERS at a running broker.";

async function reachable(brokers: string): Promise<void> {
  const admin = new KafkaAdmin(kafkaClientOptions({ brokers, clientId: 'eddy-itest-setup', logLevel: 'nothing', retry: { retries: 2 } }));
  try {
    await admin.connect();
    await admin.brokers();
  } finally {
    await admin.disconnect();
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv) {
    try {
      await reachable(fromEnv);
    } catch (e) {
      throw new Error(`Integration tests need a Kafka broker, but KAFKA_BROKERS=${fromEnv} does not answer (${(e as Error).message}). ${HOW_TO}`);
    }
    project.provide('kafkaBrokers', fromEnv);
    return undefined;
  }
  const broker = new LocalBroker(undefined, (line) => console.log(`[kafka] ${line}`));
  let info;
  try {
    // A broker the tests start holds only test topics: start it empty, so that thousands of old
    // test partitions do not slow its start-up and its first metadata answers.
    info = await broker.start({ fresh: true });
  } catch (e) {
    throw new Error(`Integration tests need a Kafka broker, and starting the local one failed: ${(e as Error).message}\n${HOW_TO}`);
  }
  project.provide('kafkaBrokers', info.bootstrap);
  return info.reused ? undefined : async () => void (await broker.stop());
}
