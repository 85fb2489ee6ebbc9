import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RECORD_DECODER_MODULE_PATH } from './kafkajs.js';
import { decodeRecord, type BatchContext, type KafkaDecoder } from './record-decoder.js';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => KafkaDecoder;
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => { buffer: Buffer };
const Long = require('kafkajs/src/utils/long.js') as { fromString(s: string): unknown };

/** kafkajs' own record decoder, compiled from its file: the reference the replacement must agree with. */
function originalDecoder(): typeof decodeRecord {
  const module = { exports: {} as unknown };
  runInNewContext(readFileSync(RECORD_DECODER_MODULE_PATH, 'utf8'), { module, exports: module.exports, require: createRequire(RECORD_DECODER_MODULE_PATH), Buffer });
  return module.exports as typeof decodeRecord;
}

/** A record's bytes as the batch decoder hands them over: without the length in front. */
function recordBytes(r: { offsetDelta: number; timestampDelta: number | unknown; key: Buffer | null; value: Buffer | null; headers?: object }): Buffer {
  return new Decoder(encodeRecord(r).buffer).readVarIntBytes()!;
}

describe('record decoder', () => {
  it('decodes records exactly as kafkajs does, exact and 64-bit offsets and timestamps alike', () => {
    const original = originalDecoder();
    const contexts: BatchContext[] = [
      { firstOffset: '0', firstTimestamp: '1767225600000', maxTimestamp: '1767225609999', magicByte: 2, timestampType: 0 },
      { firstOffset: '9007199254740990', firstTimestamp: '-1', maxTimestamp: '-1', magicByte: 2, isControlBatch: true, timestampType: 0 },
      { firstOffset: '9223372036854775000', firstTimestamp: '9007199254740000', maxTimestamp: '9007199254749999', magicByte: 2, timestampType: 0 },
      { firstOffset: '12', firstTimestamp: '1767225600000', maxTimestamp: '1767225609999', magicByte: 2, timestampType: 1 },
    ];
    const records = [
      { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k'), value: Buffer.from('v') },
      { offsetDelta: 7, timestampDelta: -5_000, key: null, value: null },
      { offsetDelta: 2_000_000, timestampDelta: 2 ** 40, key: Buffer.alloc(0), value: Buffer.from('x'), headers: { a: Buffer.from('1'), b: [Buffer.from('2'), Buffer.from('3')] } },
      // Over 7 varint bytes: the Long path.
      { offsetDelta: 3, timestampDelta: Long.fromString('-4611686018427387904'), key: null, value: Buffer.from('y') },
    ];
    for (const context of contexts) {
      for (const r of records) {
        const bytes = recordBytes(r);
        const ours = new Decoder(bytes);
        const theirs = new Decoder(bytes);
        const got = decodeRecord(ours, context);
        const want = original(theirs, context);
        expect({ ...got, headers: { ...got.headers } }).toEqual({ ...want, headers: { ...want.headers } });
        expect(got.batchContext).toBe(context);
        expect(ours.offset).toBe(theirs.offset);
      }
    }
  });

  it('adds offsets beyond 2^53 exactly', () => {
    const got = decodeRecord(new Decoder(recordBytes({ offsetDelta: 5, timestampDelta: 0, key: null, value: null })), { firstOffset: '9007199254740993', firstTimestamp: '0' });
    expect(got.offset).toBe('9007199254740998');
  });

  it("is the decoder kafkajs' record batch decoder loaded", () => {
    const batchDecoder = require.cache[require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js')];
    expect(batchDecoder?.children.map((m) => m.exports)).toContain(decodeRecord);
  });
});
