import { beforeAll } from 'vitest';
import { ensureConfluentClient, loadConfluentClient } from './confluent-client.js';
import { ConfluentSource, type RdKafkaModule } from './confluent-source.js';
import { describeSource } from './testing/source-suite.js';

// The client is installed on first use (about a minute: it compiles), as `eddy run --input-client
// confluent` does; vitest runs this file in a process of its own, on its main thread, where its addon works.
let rdkafka: RdKafkaModule | undefined;
beforeAll(() => {
  rdkafka = loadConfluentClient<RdKafkaModule>(ensureConfluentClient({ log: (line) => console.log(`[confluent] ${line}`) }));
}, 900_000);

describeSource('librdkafka (Confluent client)', (client, options, serde, deadLetters, hooks) => {
  if (!rdkafka) throw new Error('the Confluent client did not load (see beforeAll)');
  return new ConfluentSource(client, options, serde, deadLetters, hooks, rdkafka);
});
