/**
 * Key groups, as in Flink: `keyGroup = murmur3(key) mod maxParallelism`, and each of P tasks owns a
 * contiguous range of key groups. State moves between tasks in whole key groups, so rescaling never
 * rehashes a key. Defined once, here; routing and state placement both use it.
 */

/** Number of key groups unless a job says otherwise; fixed for the life of the job's state. */
export const DEFAULT_MAX_PARALLELISM = 128;

const encoder = new TextEncoder();

function scrambled(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function mixed(h: number, k: number): number {
  h ^= scrambled(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finished(h: number, tailK: number, n: number): number {
  if ((n & 3) > 0) h ^= scrambled(tailK);
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 x86_32 of bytes. */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const tail = n & ~3;
  for (let i = 0; i < tail; i += 4) h = mixed(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  let k = 0;
  for (let i = n - 1; i >= tail; i -= 1) k = (k << 8) | bytes[i]!;
  return finished(h, k, n);
}

/** MurmurHash3 x86_32 of a string's UTF-8 bytes, or -1 if it is not all ASCII (then bytes are needed). */
function murmur3Ascii(s: string): number {
  let h = 0;
  const n = s.length;
  const tail = n & ~3;
  for (let i = 0; i < tail; i += 4) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const c = s.charCodeAt(i + 2);
    const d = s.charCodeAt(i + 3);
    if ((a | b | c | d) > 0x7f) return -1;
    h = mixed(h, a | (b << 8) | (c << 16) | (d << 24));
  }
  let k = 0;
  for (let i = n - 1; i >= tail; i -= 1) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    k = (k << 8) | c;
  }
  return finished(h, k, n);
}

function checkParallelism(parallelism: number, maxParallelism: number): void {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32_768) {
    throw new RangeError(`maxParallelism must be an integer in 1..32768, got ${maxParallelism}`);
  }
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
    throw new RangeError(`parallelism must be an integer in 1..maxParallelism (${maxParallelism}), got ${parallelism}`);
  }
}

/**
 * The key group of a key.
 *
 * @example
 * keyGroupOf('c-000042', 128) // a number in 0..127, the same on every machine
 */
export function keyGroupOf(key: string, maxParallelism: number): number {
  // Most keys are ASCII: hashing their characters directly skips encoding each key to bytes.
  const ascii = murmur3Ascii(key);
  return (ascii >= 0 ? ascii : murmur3(encoder.encode(key))) % maxParallelism;
}

/**
 * The key groups task `subtask` of `parallelism` owns, inclusive (Flink's formula).
 *
 * @example
 * keyGroupRange(0, 2, 128) // { start: 0, end: 63 }
 */
export function keyGroupRange(subtask: number, parallelism: number, maxParallelism: number): { start: number; end: number } {
  checkParallelism(parallelism, maxParallelism);
  if (!Number.isInteger(subtask) || subtask < 0 || subtask >= parallelism) {
    throw new RangeError(`subtask must be an integer in 0..${parallelism - 1}, got ${subtask}`);
  }
  return {
    start: Math.floor((subtask * maxParallelism + parallelism - 1) / parallelism),
    end: Math.floor(((subtask + 1) * maxParallelism - 1) / parallelism),
  };
}

/** The task that owns a key group. */
export function subtaskOfKeyGroup(keyGroup: number, parallelism: number, maxParallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}
