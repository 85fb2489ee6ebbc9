import { defineConfig } from 'vitest/config';

// Two tiers. `unit` needs nothing but Node. `integration` (*.itest.ts) runs against a real Apache Kafka
// broker: the global setup uses KAFKA_BROKERS, else the project's local broker (started if needed),
// and fails with instructions if neither works. It never skips.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{engine,connectors,jobs,deploy,bench,grafana}/**/*.test.ts'],
          // The scaffold's own test: it runs in a scaffolded project (engine/cli/init-command.test.ts).
          exclude: ['engine/cli/init-templates/**'],
          pool: 'forks',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{engine,connectors,jobs,deploy,bench,grafana}/**/*.itest.ts'],
          pool: 'forks',
          // Group rebalances across files would interfere with each other on one broker.
          fileParallelism: false,
          globalSetup: ['./connectors/kafka/testing/broker-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
