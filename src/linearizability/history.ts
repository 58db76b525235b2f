import { ownAsync } from '../instrument/own.ts';
import { isDeepStrictEqual } from 'node:util';

/** What an operation returned: a value, or the error it threw (compared by name and message). */
export type OpResult = { readonly value: unknown } | { readonly error: string };

/** One operation of a concurrent history. */
export interface HistoryOp {
  readonly id: number;
  readonly task: number;
  readonly name: string;
  readonly args: readonly unknown[];
  /** null: called but never returned (the execution ended first, by a failure or a deadlock). */
  readonly result: OpResult | null;
  /** Position of the invocation and of the response in the history's event order (Infinity: never returned). */
  readonly invoked: number;
  readonly returned: number;
}

export function sameResult(a: OpResult, b: OpResult): boolean {
  return isDeepStrictEqual(a, b);
}

export function showResult(r: OpResult): string {
  if ('error' in r) return `throws ${r.error}`;
  try {
    return r.value === undefined ? 'undefined' : JSON.stringify(r.value) ?? String(r.value);
  } catch {
    return String(r.value);
  }
}

export function showCall(op: Pick<HistoryOp, 'name' | 'args'>): string {
  return `${op.name}(${op.args.map((a) => showResult({ value: a })).join(', ')})`;
}

/**
 * Records invocations and responses in the order they happen. Inside an exploration exactly one
 * task runs at a time, so this order is the real-time order of the execution.
 */
export class HistoryRecorder {
  private clock = 0;
  private readonly calls: HistoryOp[] = [];

  /** The operations so far in the order they returned; those still running (`result: null`) last. */
  get ops(): HistoryOp[] {
    return [...this.calls].sort((a, b) => a.returned - b.returned || a.invoked - b.invoked);
  }

  call(task: number, name: string, args: readonly unknown[], run: () => unknown): Promise<void> {
    return ownAsync('call', recordCall, this, task, name, args, run);
  }

  /** Records the invocation of an operation: its id. */
  invoke(task: number, name: string, args: readonly unknown[]): number {
    const id = this.calls.length;
    this.calls.push({ id, task, name, args, result: null, invoked: this.clock++, returned: Infinity });
    return id;
  }

  /** Records the response of operation `id`. */
  respond(id: number, result: OpResult): void {
    this.calls[id] = { ...this.calls[id]!, result, returned: this.clock++ };
  }
}

// Declared once (see ownAsync).
function* recordCall(history: HistoryRecorder, task: number, name: string, args: readonly unknown[], run: () => unknown): Generator<unknown, void, unknown> {
  const id = history.invoke(task, name, args);
  let result: OpResult;
  try {
    result = { value: yield run() };
  } catch (e) {
    result = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  history.respond(id, result);
}
