import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../connectors/kafka/dead-letter.js';
import { deadLetterOf } from './dead-letter-tail.js';

describe('deadLetterOf', () => {
  it('reads the reason, detail and origin from the eddy.dlq headers', () => {
    const headers = { [DLQ_HEADERS.reason]: Buffer.from('schema'), [DLQ_HEADERS.detail]: 'contentId: expected string', [DLQ_HEADERS.topic]: 'in', [DLQ_HEADERS.partition]: '3', [DLQ_HEADERS.offset]: '1200' };
    const d = deadLetterOf({ key: Buffer.from('k'), value: Buffer.from('{"x":1}'), raw: null, offset: '9', timestamp: 1_000, headers });
    expect(d).toEqual({ at: 1_000, reason: 'schema', detail: 'contentId: expected string', operator: null, topic: 'in', partition: 3, offset: '1200', key: 'k', value: '{"x":1}' });
  });

  it('cuts long values to a preview and survives missing headers', () => {
    const d = deadLetterOf({ key: null, value: Buffer.from('x'.repeat(1_000)), raw: null, offset: '0', timestamp: 5, headers: {} });
    expect(d.reason).toBe('unknown');
    expect(d.partition).toBeNull();
    expect(d.value).toBe(`${'x'.repeat(300)}…`);
  });
});
