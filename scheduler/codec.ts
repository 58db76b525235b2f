import { describeOp } from './ops.ts';
import type { Schedule, TraceStep } from './types.ts';

/**
 * Schedule tokens: `heddle1:<scenario>:<payload>`.
 *   scenario: 8 hex digits, FNV-1a of the scenario name (a token for another scenario is refused)
 *   payload:  base64url of varints — run-length encoded choices (task, run), the random draws
 *             (32-bit), a 32-bit hash of the trace's operations, then a 32-bit checksum.
 * Version 1; a change of layout gets a new prefix and the old one stays decodable or is refused
 * with a clear message.
 */
export const TOKEN_PREFIX = 'heddle1';

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

class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.bytes[this.at++];
      if (b === undefined) throw new TokenError('token is truncated');
      n += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return n;
      scale *= 128;
    }
    throw new TokenError('token holds a malformed number');
  }
  get position(): number {
    return this.at;
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
  const sum = fnv1a(Uint8Array.from(out));
  writeVarint(out, sum);
  return `${TOKEN_PREFIX}:${scenarioHash(scenario)}:${Buffer.from(out).toString('base64url')}`;
}

export function decodeToken(token: string): DecodedToken {
  const parts = token.trim().split(':');
  if (parts.length !== 3) throw new TokenError(`malformed token: expected ${TOKEN_PREFIX}:<scenario>:<schedule>`);
  const [prefix, hash, payload] = parts as [string, string, string];
  if (prefix !== TOKEN_PREFIX) {
    throw new TokenError(/^heddle\d+$/.test(prefix) ? `token version '${prefix}' is not supported by this heddle (${TOKEN_PREFIX})`
      : `malformed token: it must start with '${TOKEN_PREFIX}:'`);
  }
  if (!/^[0-9a-f]{8}$/.test(hash)) throw new TokenError('malformed token: bad scenario hash');
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) throw new TokenError('malformed token: the schedule is not base64url');
  const bytes = Uint8Array.from(Buffer.from(payload, 'base64url'));
  if (Buffer.from(bytes).toString('base64url') !== payload) throw new TokenError('malformed token: the schedule is not canonical base64url (was it edited?)');
  const r = new Reader(bytes);
  const choices: number[] = [];
  const runCount = r.varint();
  if (runCount > bytes.length) throw new TokenError('malformed token: impossible run count');
  for (let i = 0; i < runCount; i++) {
    const task = r.varint();
    const n = r.varint();
    if (n === 0 || choices.length + n > 10_000_000) throw new TokenError('malformed token: bad run length');
    for (let k = 0; k < n; k++) choices.push(task);
  }
  const randomCount = r.varint();
  if (randomCount > bytes.length) throw new TokenError('malformed token: impossible random count');
  const randoms: number[] = [];
  for (let i = 0; i < randomCount; i++) randoms.push(r.varint() / 4294967296);
  const trace = r.varint();
  const bodyEnd = r.position; // the checksum covers every byte before it
  const sum = r.varint();
  if (!r.done) throw new TokenError('malformed token: trailing data');
  if (fnv1a(bytes.subarray(0, bodyEnd)) !== sum) throw new TokenError('malformed token: checksum mismatch (was it cut or edited?)');
  return { scenarioHash: hash, schedule: { choices, randoms }, traceHash: trace };
}
