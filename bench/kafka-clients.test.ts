import { describe, expect, it } from 'vitest';
import { runKafkaClientsBench } from './kafka-clients.js';

describe('kafka clients benchmark options', () => {
  it('refuses a --confluent folder without the client, before touching the broker', async () => {
    await expect(runKafkaClientsBench(['--brokers', '127.0.0.1:1', '--clients', 'kafkajs,confluent', '--confluent', '/nonexistent'], () => undefined)).rejects.toThrow(
      /^--confluent: \/nonexistent does not hold a built @confluentinc\/kafka-javascript/,
    );
  });

  it('names an unknown client', async () => {
    await expect(runKafkaClientsBench(['--brokers', '127.0.0.1:1', '--clients', 'kafkajs,rdkafka'], () => undefined)).rejects.toThrow(/^--clients: a comma-separated list of kafkajs, confluent, confluent-native$/);
  });
});
