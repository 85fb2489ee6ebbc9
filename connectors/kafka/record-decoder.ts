/**
 * kafkajs' record decoder (`kafkajs/src/protocol/recordBatch/record/v0/decoder.js`), same contract,
 * without its per-record 64-bit arithmetic. kafkajs parses the batch's first offset and timestamp
 * (decimal strings) into BigInt-backed Longs again for every record, and reads each timestamp delta
 * through a Long per byte: 7% of a member thread's busy time at catch-up speed (0.85 s per million
 * records; this decoder 0.59 s), and garbage. Here the batch's values are parsed once per batch,
 * and offsets and timestamps are added as numbers wherever they are exact (below 2^53, which real
 * offsets and epoch-millisecond timestamps are); anything else goes through kafkajs' own Long
 * arithmetic, as before.
 * connectors/kafka/kafkajs.ts puts it in place of kafkajs' before kafkajs loads.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** kafkajs' BigInt-backed 64-bit integer, as far as the fallback uses it. */
interface Long {
  add(other: Long | number): Long;
  toString(): string;
}

/** kafkajs' byte decoder, as far as a record uses it. */
export interface KafkaDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarLong(): Long;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(reader: (d: KafkaDecoder) => T): T[];
}

/** What the record batch decoder passes for each record of a batch (one object per batch). */
export interface BatchContext {
  firstOffset?: string;
  firstTimestamp?: string;
  maxTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
}

/** A record as kafkajs' decoder returns it. */
export interface DecodedRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string | undefined;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

const LongClass = require('kafkajs/src/utils/long.js') as { fromValue(v: string | undefined): Long };
const headerDecoder = require('kafkajs/src/protocol/recordBatch/header/v0/decoder.js') as (d: KafkaDecoder) => { key: string; value: Buffer | null };
const LOG_APPEND_TIME = (require('kafkajs/src/protocol/timestampTypes.js') as { LOG_APPEND_TIME: number }).LOG_APPEND_TIME;

/** Varints of up to 7 bytes hold at most 49 bits: exact as a number. */
const MAX_NUMBER_VARINT_BYTES = 7;

// The batch whose first offset and timestamp were parsed last (records come batch by batch).
let lastContext: BatchContext | undefined;
let firstOffset = NaN;
let firstTimestamp = NaN;

/**
 * @example
 * // kafkajs calls it for each record of a batch, with its decoder positioned at the record's attributes:
 * const record = decodeRecord(new Decoder(recordBytes), { firstOffset: '0', firstTimestamp: '1767225600000', timestampType: 0 });
 */
export function decodeRecord(decoder: KafkaDecoder, batchContext: BatchContext = {}): DecodedRecord {
  const { magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  if (batchContext !== lastContext) {
    lastContext = batchContext;
    firstOffset = Number(batchContext.firstOffset);
    firstTimestamp = Number(batchContext.firstTimestamp);
  }
  const attributes = decoder.readInt8();

  const timestampDelta = readSmallVarLong(decoder);
  let timestamp: string | undefined;
  if (timestampType === LOG_APPEND_TIME && maxTimestamp) timestamp = maxTimestamp;
  else if (typeof timestampDelta === 'number' && Number.isSafeInteger(firstTimestamp + timestampDelta)) timestamp = String(firstTimestamp + timestampDelta);
  else timestamp = LongClass.fromValue(batchContext.firstTimestamp).add(timestampDelta).toString();

  const offsetDelta = decoder.readVarInt();
  const offset = Number.isSafeInteger(firstOffset + offsetDelta)
    ? String(firstOffset + offsetDelta)
    : LongClass.fromValue(batchContext.firstOffset).add(offsetDelta).toString();

  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  // kafkajs' own fold: repeated names become arrays (and a name such as __proto__ stays a plain key).
  const headers = decoder.readVarIntArray(headerDecoder).reduce<DecodedRecord['headers']>((obj, { key: name, value: v }) => {
    const before = obj[name];
    return { ...obj, [name]: before === undefined ? v : Array.isArray(before) ? before.concat([v]) : [before, v] };
  }, {});
  return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext };
}

/**
 * A zigzag varlong as a number when it has at most 7 bytes (then exact), else kafkajs' Long (the
 * decoder is left after it either way).
 */
function readSmallVarLong(decoder: KafkaDecoder): number | Long {
  const { buffer } = decoder;
  let at = decoder.offset;
  let result = 0;
  let scale = 1;
  for (let i = 0; i < MAX_NUMBER_VARINT_BYTES && at < buffer.length; i += 1) {
    const byte = buffer[at++]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      decoder.offset = at;
      return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    scale *= 0x80;
  }
  return decoder.readVarLong();
}
