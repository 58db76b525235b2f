import { sameResult, showCall, showResult, type HistoryOp, type OpResult } from './history.ts';

/** A sequential specification: the behaviour the concurrent object must be equivalent to. */
export interface SequentialModel<S> {
  init(): S | Promise<S>;
  /** Applies one operation to a state (never mutating it) and returns the next state and the result. */
  apply(state: S, name: string, args: readonly unknown[]): { state: S; result: OpResult } | Promise<{ state: S; result: OpResult }>;
  /** A canonical key of a state; equal keys must mean equal behaviour from then on. */
  key(state: S): string;
}

export type LinearizabilityVerdict =
  | { readonly linearizable: true; readonly order: readonly HistoryOp[] }
  | { readonly linearizable: false; readonly explanation: string; readonly explored: number };

/**
 * Wing & Gong's search with Lowe's memoisation: linearize one operation at a time — only an
 * operation invoked before every pending operation's response may go next (real-time order) —
 * check its result against the model, and never revisit a (set of linearized operations,
 * model state) pair. Exponential in the worst case, fast on the small histories heddle makes.
 */
export async function checkHistory<S>(ops: readonly HistoryOp[], model: SequentialModel<S>, budget = 200_000): Promise<LinearizabilityVerdict> {
  const n = ops.length;
  const done = new Array<boolean>(n).fill(false);
  const seen = new Set<string>();
  const order: HistoryOp[] = [];
  let explored = 0;
  // The deepest dead end, for the explanation.
  let deepest: { prefix: HistoryOp[]; tried: string[] } = { prefix: [], tried: [] };

  const search = async (state: S, count: number): Promise<boolean> => {
    if (count === n) return true;
    if (++explored > budget) throw new RangeError(`linearizability search gave up after ${budget} states`);
    let horizon = Infinity; // the earliest response among pending operations
    for (let i = 0; i < n; i++) if (!done[i] && ops[i]!.returned < horizon) horizon = ops[i]!.returned;
    const tried: string[] = [];
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      if (done[i] || op.invoked > horizon) continue;
      const next = await model.apply(state, op.name, op.args);
      if (!sameResult(next.result, op.result)) {
        tried.push(`${showCall(op)} by task ${op.task} returned ${showResult(op.result)}, but the specification gives ${showResult(next.result)}`);
        continue;
      }
      done[i] = true;
      const key = `${done.map((d) => (d ? 1 : 0)).join('')}|${model.key(next.state)}`;
      if (!seen.has(key)) {
        seen.add(key);
        order.push(op);
        if (await search(next.state, count + 1)) return true;
        order.pop();
      }
      done[i] = false;
    }
    if (order.length >= deepest.prefix.length && tried.length > 0) deepest = { prefix: [...order], tried };
    return false;
  };

  if (await search(await model.init(), 0)) return { linearizable: true, order };
  const prefix = deepest.prefix.length === 0 ? 'from the initial state' : `after ${deepest.prefix.map(showCall).join(', ')}`;
  return {
    linearizable: false,
    explored,
    explanation: `no sequential order of these ${n} operations gives their results (the order must respect ` +
      `real time: an operation that returned before another was called comes first). The longest consistent ` +
      `order gets stuck ${prefix}: ${deepest.tried.join('; ')}`,
  };
}
