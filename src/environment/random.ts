import type { Execution } from '../../scheduler/execution.ts';
import { spawn } from '../primitives/task.ts';
import { callingExecution } from './context.ts';
import { builtin, type Patches } from './patch.ts';

type Callback = (error: unknown, value?: unknown) => void;
type Fn = (...args: unknown[]) => unknown;

/**
 * A stream of 32-bit words from ONE recorded draw (mulberry32 seeded with the draw's 32 bits).
 * Every virtual random call costs exactly one draw in the schedule, whatever its size, so a
 * 64 KiB getRandomValues does not put 16,384 numbers into the replay token; replaying the draw
 * replays every byte.
 */
function words(ex: Execution): () => number {
  let state = Math.floor(ex.random() * 2 ** 32) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function fill(ex: Execution, bytes: Uint8Array): void {
  const next = words(ex);
  for (let i = 0; i < bytes.length; i += 4) {
    const word = next();
    for (let j = 0; j < 4 && i + j < bytes.length; j++) bytes[i + j] = (word >>> (8 * j)) & 0xff;
  }
}

function bytesOf(buffer: ArrayBufferView | ArrayBuffer): Uint8Array {
  return ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
}

function uuid(ex: Execution): string {
  const b = new Uint8Array(16);
  fill(ex, b);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Installs randomness drawn through the execution's recorded draws (`ex.random()`): Math.random,
 * crypto.getRandomValues and crypto.randomUUID (globalThis.crypto = node:crypto's webcrypto), and
 * node:crypto's randomUUID, getRandomValues, randomBytes, randomInt and randomFillSync. A failure's
 * token then replays every value, and another seed draws others.
 *
 * Arguments are first checked by the real function (its bytes are then overwritten), so a bad
 * argument throws exactly Node's error and records no draw. Callback forms deliver in a task of
 * their own, like fs callbacks.
 */
export function installRandom(patches: Patches): void {
  const nodeCrypto = builtin('node:crypto');
  const webcrypto = globalThis.crypto;
  const real = {
    mathRandom: Math.random,
    getRandomValues: webcrypto.getRandomValues,
    webUUID: webcrypto.randomUUID,
    randomUUID: nodeCrypto.randomUUID as Fn,
    randomBytes: nodeCrypto.randomBytes as Fn,
    randomInt: nodeCrypto.randomInt as Fn,
    randomFillSync: nodeCrypto.randomFillSync as Fn,
  };
  const deliver = (name: string, callback: Callback, value: unknown) => {
    spawn(() => callback(null, value), `${name} callback`);
  };

  function getRandomValues<T extends ArrayBufferView | null>(array: T): T {
    const ex = callingExecution();
    real.getRandomValues.call(webcrypto, array as never); // validates (integer array, 64 KiB quota)
    if (ex !== null) fill(ex, bytesOf(array!));
    return array;
  }
  function randomUUID(this: unknown, options?: unknown): string {
    const ex = callingExecution();
    return ex === null ? real.randomUUID(options) as string : uuid(ex);
  }
  function webRandomUUID(): string {
    const ex = callingExecution();
    return ex === null ? real.webUUID.call(webcrypto) : uuid(ex);
  }
  function randomBytes(size: unknown, callback?: unknown): unknown {
    const ex = callingExecution();
    // A non-function callback: the real call throws Node's error without doing anything.
    if (ex === null || (callback !== undefined && typeof callback !== 'function')) return real.randomBytes(size, callback);
    const buffer = real.randomBytes(size) as Buffer;
    fill(ex, buffer);
    if (callback === undefined) return buffer;
    deliver('randomBytes', callback as Callback, buffer);
    return undefined;
  }
  function randomInt(...args: unknown[]): unknown {
    const ex = callingExecution();
    if (ex === null) return real.randomInt(...args);
    const callback = typeof args[args.length - 1] === 'function' ? args.pop() as Callback : undefined;
    real.randomInt(...args); // validates the range (safe integers, max - min < 2^48)
    const [min, max] = (args.length >= 2 ? args : [0, args[0]]) as [number, number];
    const next = words(ex);
    const fraction = ((next() >>> 5) * 2 ** 26 + (next() >>> 6)) / 2 ** 53; // 53 bits: ranges reach 2^48
    const value = min + Math.floor(fraction * (max - min));
    if (callback === undefined) return value;
    deliver('randomInt', callback, value);
    return undefined;
  }
  function randomFillSync(buffer: ArrayBufferView | ArrayBuffer, offset?: number, size?: number): unknown {
    const ex = callingExecution();
    real.randomFillSync(buffer, offset, size); // validates; offset and size count elements of a typed array
    if (ex === null) return buffer;
    const unit = ArrayBuffer.isView(buffer) ? (buffer as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1 : 1;
    const bytes = bytesOf(buffer);
    const from = (offset ?? 0) * unit;
    fill(ex, bytes.subarray(from, size === undefined ? bytes.length : from + size * unit));
    return buffer;
  }

  patches.shadow(Math, 'random', function random(): number {
    const ex = callingExecution();
    return ex === null ? real.mathRandom() : ex.random();
  });
  // node:crypto's getRandomValues is a read-only getter whose function calls webcrypto's: patched here.
  patches.shadow(webcrypto, 'getRandomValues', getRandomValues);
  patches.shadow(webcrypto, 'randomUUID', webRandomUUID);
  patches.set(nodeCrypto, 'randomUUID', randomUUID);
  patches.set(nodeCrypto, 'randomBytes', randomBytes);
  patches.set(nodeCrypto, 'randomInt', randomInt);
  patches.set(nodeCrypto, 'randomFillSync', randomFillSync);
}
