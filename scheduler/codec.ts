import { describeOp } from './ops.ts';
import type { Schedule, TraceStep } from './types.ts';

/**
 * Schedule tokens: `heddle2:<scenario>:<schedule>:<check>`.
 *   scenario: 8 hex digits, FNV-1a of the scenario name (a token for another scenario is refused)
 *   schedule: base64url of varints — run-length encoded choices (task, run), the random draws
 *             (32-bit), then a 32-bit hash of the trace's operations
 *   check:    8 hex digits, FNV-1a of everything before it (`heddle2:<scenario>:<schedule>`)
 * The check covers the whole token, so a damaged copy is refused instead of replaying another
 * schedule. invariant: a token differing from a valid one in exactly one character is refused —
 * a changed character of the prefix or a field of fixed length breaks its shape, and one changed
 * ASCII character of the checked text changes one byte, which FNV-1a always notices (each step
 * is an xor then a multiplication by an odd number, both one-to-one). A character cut or added
 * changes the shape of a fixed field, or the check with probability 1 − 2⁻³² (the tests try
 * every position of a real token).
 *
 * Version 2. Version 1 (`heddle1:<scenario>:<schedule with its own checksum>`) checked the
 * schedule only; its tokens are refused with a message that names the version.
 */
export const TOKEN_VERSION = 2;
export const TOKEN_PREFIX = `heddle${TOKEN_VERSION}`;

export interface DecodedToken {
  readonly scenarioHash: string;
  readonly schedule: Schedule;
  /** Hash of the trace the token was made from: replay compares it to spot changed code. */
  readonly traceHash: number;
}

export class TokenError extends Error {
  override readonly name = 'TokenError';
}

export function fnv1a(text: string | Uint8Array): number {
  let h = 0x811c9dc5;
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function scenarioHash(name: string): string {
  return fnv1a(name).toString(16).padStart(8, '0');
}

/**
 * A hash of what each step did (task, op, object), independent of locations and details. The
 * bookkeeping of instrumented code (memory accesses, settlings, the promise an await names) is
 * left out, and objects are numbered by their first appearance in the trace: the ids of memory
 * locations depend on what else the process has loaded (a module's own scopes), and would make
 * a token mean something else in another process.
 */
export function traceHash(trace: readonly TraceStep[]): number {
  let h = 0x811c9dc5;
  const mix = (n: number) => {
    for (let i = 0; i < 4; i++) {
      h ^= (n >>> (i * 8)) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  const ordinal = new Map<number, number>();
  for (const s of trace) {
    const op = describeOp(s.kind);
    if (op.label === 'hidden') continue;
    mix(s.task);
    mix(s.kind.length * 31 + s.kind.charCodeAt(0) * 7 + s.kind.charCodeAt(s.kind.length - 1));
    let object = s.object;
    if (object >= 0 && op.target !== 'task') {
      const plain = typeof op.target !== 'string' && op.target.every((t) => t === 'memory' || t === 'scope' || t === 'promise');
      if (plain) object = -1;
      else {
        if (!ordinal.has(object)) ordinal.set(object, ordinal.size);
        object = ordinal.get(object)!;
      }
    }
    mix(object + 1);
  }
  return h >>> 0;
}

function writeVarint(out: number[], n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new TokenError(`cannot encode ${n}`);
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

const damaged = (why: string) => new TokenError(`damaged token: ${why}`);
const HEX8 = /^[0-9a-f]{8}$/;

class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.bytes[this.at++];
      if (b === undefined) throw damaged('the schedule is truncated');
      n += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return n;
      scale *= 128;
    }
    throw damaged('the schedule holds a malformed number');
  }
  get done(): boolean {
    return this.at >= this.bytes.length;
  }
}

export function encodeToken(scenario: string, schedule: Schedule, hash: number): string {
  const out: number[] = [];
  const runs: [number, number][] = [];
  for (const c of schedule.choices) {
    const last = runs[runs.length - 1];
    if (last && last[0] === c) last[1]++;
    else runs.push([c, 1]);
  }
  writeVarint(out, runs.length);
  for (const [task, n] of runs) {
    writeVarint(out, task);
    writeVarint(out, n);
  }
  writeVarint(out, schedule.randoms.length);
  for (const r of schedule.randoms) writeVarint(out, Math.floor(r * 4294967296));
  writeVarint(out, hash >>> 0);
  const body = `${TOKEN_PREFIX}:${scenarioHash(scenario)}:${Buffer.from(out).toString('base64url')}`;
  return `${body}:${hex8(fnv1a(body))}`;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/**
 * Reads a token, or throws a TokenError whose message is one line saying what is wrong with it:
 * made by another version of heddle, or damaged (a field of the wrong shape, a failed check).
 */
export function decodeToken(token: string): DecodedToken {
  const text = token.trim();
  const parts = text.split(':');
  const prefix = parts[0]!;
  const version = /^heddle(\d+)$/.exec(prefix);
  if (version && prefix !== TOKEN_PREFIX) {
    const older = Number(version[1]) < TOKEN_VERSION;
    throw new TokenError(`this token was made by ${older ? 'an older' : 'a newer'} heddle (${prefix}; this one reads ${TOKEN_PREFIX} tokens)` +
      (older ? ': run check again to get a new token for the schedule' : ''));
  }
  if (prefix !== TOKEN_PREFIX) {
    throw damaged(`it must start with '${TOKEN_PREFIX}:'${parts.length > 1 ? `, not '${prefix.slice(0, 12)}:'` : ''}`);
  }
  if (parts.length !== 4) throw damaged(`expected ${TOKEN_PREFIX}:<scenario>:<schedule>:<check>, found ${parts.length} fields`);
  const [, hash, payload, check] = parts as [string, string, string, string];
  if (!HEX8.test(hash)) throw damaged('the scenario field is not 8 hex digits');
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) throw damaged('the schedule field is not base64url');
  if (!HEX8.test(check)) throw damaged('the check field is not 8 hex digits');
  if (hex8(fnv1a(text.slice(0, text.length - check.length - 1))) !== check) {
    throw damaged('its check does not match (a character changed, cut or added when it was copied?)');
  }
  // Past the check, a malformed schedule is a token forged by hand or a bug of heddle's encoder.
  const bytes = Uint8Array.from(Buffer.from(payload, 'base64url'));
  if (Buffer.from(bytes).toString('base64url') !== payload) throw damaged('the schedule is not canonical base64url');
  const r = new Reader(bytes);
  const choices: number[] = [];
  const runCount = r.varint();
  if (runCount > bytes.length) throw damaged('impossible run count');
  for (let i = 0; i < runCount; i++) {
    const task = r.varint();
    const n = r.varint();
    if (n === 0 || choices.length + n > 10_000_000) throw damaged('bad run length');
    for (let k = 0; k < n; k++) choices.push(task);
  }
  const randomCount = r.varint();
  if (randomCount > bytes.length) throw damaged('impossible random count');
  const randoms: number[] = [];
  for (let i = 0; i < randomCount; i++) randoms.push(r.varint() / 4294967296);
  const trace = r.varint();
  if (!r.done) throw damaged('trailing data');
  return { scenarioHash: hash, schedule: { choices, randoms }, traceHash: trace };
}
