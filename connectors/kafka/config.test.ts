import { describe, expect, it } from 'vitest';
import { KafkaClientOptionsSchema, kafkaClientOptions, toKafkaJsConfig } from './config.js';

describe('Kafka client options', () => {
  it('fills every default', () => {
    const o = kafkaClientOptions();
    expect(o.brokers).toEqual(['127.0.0.1:9092']);
    expect(o.clientId).toBe('eddy');
    expect(o.retry.retries).toBe(8);
    expect(toKafkaJsConfig(o).ssl).toBe(false);
  });

  it('accepts a comma-separated broker list', () => {
    expect(kafkaClientOptions({ brokers: 'a:1, b:2' }).brokers).toEqual(['a:1', 'b:2']);
  });

  it('passes SASL and TLS through', () => {
    const o = kafkaClientOptions({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    const k = toKafkaJsConfig(o);
    expect(k.ssl).toBe(true);
    expect(k.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
  });

  it.each([
    [{ brokers: 'nope' }, 'brokers'],
    [{ brokers: '' }, 'brokers'],
    [{ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, 'sasl'],
    [{ requestTimeoutMs: -1 }, 'requestTimeoutMs'],
    [{ clientid: 'typo' }, ''],
  ])('rejects %j, naming the field', (input, field) => {
    const r = KafkaClientOptionsSchema.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    if (field) expect(issue.path[0]).toBe(field);
    else expect(issue.code).toBe('unrecognized_keys');
  });
});
