import { ownAsync } from '../instrument/own.ts';
import { isDeepStrictEqual } from 'node:util';

/** What an operation returned: a value, or the error it threw (compared by name and message). */
export type OpResult = { readonly value: unknown } | { readonly error: string };

/** One completed operation of a concurrent history. */
export interface HistoryOp {
  readonly id: number;
  readonly task: number;
  readonly name: string;
  readonly args: readonly unknown[];
  readonly result: OpResult;
  /** Position of the invocation and of the response in the history's event order. */
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
  private nextId = 0;
  readonly ops: HistoryOp[] = [];

  call(task: number, name: string, args: readonly unknown[], run: () => unknown): Promise<void> {
    const self = this;
    return ownAsync('call', function* call() {
      const id = self.nextId++;
      const invoked = self.clock++;
      let result: OpResult;
      try {
        result = { value: yield run() };
      } catch (e) {
        result = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      }
      self.ops.push({ id, task, name, args, result, invoked, returned: self.clock++ });
    });
  }
}
