import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaClientOptions } from './config.js';
import { ConfluentSetupError, confluentHome, ensureConfluentClient, loadConfluentClient } from './confluent-client.js';
import { librdkafkaConfig } from './confluent-source.js';

describe('the Confluent client', () => {
  it('lives in $EDDY_CONFLUENT_DIR, else in a versioned folder under $EDDY_HOME', () => {
    expect(confluentHome({ EDDY_CONFLUENT_DIR: '/opt/ckjs', EDDY_HOME: '/h' })).toBe('/opt/ckjs');
    expect(confluentHome({ EDDY_HOME: '/h' })).toBe('/h/confluent-1.10.1');
  });

  it('refuses a given folder that does not hold it, naming the folder, instead of installing there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-ckjs-'));
    expect(() => ensureConfluentClient({ dir })).toThrow(ConfluentSetupError);
    expect(() => ensureConfluentClient({ dir })).toThrow(`${dir} does not hold a built @confluentinc/kafka-javascript`);
    expect(() => loadConfluentClient(dir)).toThrow(`@confluentinc/kafka-javascript is not installed in ${dir}`);
  });

  // Names and values from librdkafka's CONFIGURATION.md.
  it("maps Eddy's client settings to librdkafka's", () => {
    expect(librdkafkaConfig(kafkaClientOptions({ brokers: 'a:1,b:2', clientId: 'job', connectionTimeoutMs: 4_000, requestTimeoutMs: 20_000 }))).toEqual({
      'metadata.broker.list': 'a:1,b:2',
      'client.id': 'job',
      'socket.connection.setup.timeout.ms': 4_000,
      'socket.timeout.ms': 20_000,
      'retry.backoff.ms': 300,
      'retry.backoff.max.ms': 30_000,
      'security.protocol': 'plaintext',
    });
    expect(librdkafkaConfig(kafkaClientOptions({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } }))).toMatchObject({
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'u',
      'sasl.password': 'p',
    });
    const tls = librdkafkaConfig(kafkaClientOptions({ ssl: { ca: 'CA', cert: 'CERT', key: 'KEY', rejectUnauthorized: false } }));
    expect(tls).toMatchObject({ 'security.protocol': 'ssl', 'ssl.ca.pem': 'CA', 'ssl.certificate.pem': 'CERT', 'ssl.key.pem': 'KEY', 'enable.ssl.certificate.verification': false });
    expect(librdkafkaConfig(kafkaClientOptions({ sasl: { mechanism: 'plain', username: 'u', password: 'p' } }))['security.protocol']).toBe('sasl_plaintext');
  });
});
