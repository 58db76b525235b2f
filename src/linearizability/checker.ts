import { sameResult, showCall, showResult, type HistoryOp, type OpResult } from './history.ts';

/** A sequential specification: the behaviour the concurrent object must be equivalent to. */
export interface SequentialModel<S> {
  init(): S | Promise<S>;
  /** Applies one operation to a state (never mutating it) and returns the next state and the result. */
  apply(state: S, name: string, args: readonly unknown[]): { state: S; result: OpResult } | Promise<{ state: S; result: OpResult }>;
  /**
   * A canonical key of a state: equal keys must mean equal behaviour from then on. With it the
   * search merges states reached by different orders (Lowe's memoisation); without it, it merges
   * only orders that made the same calls. The checker tests the key on the states it meets: two
   * states with one key that answer an operation differently are a {@link ModelKeyError}.
   */
  key?(state: S): string;
}

export type LinearizabilityVerdict =
  | { readonly linearizable: true; readonly order: readonly HistoryOp[] }
  | { readonly linearizable: false; readonly explanation: string; readonly explored: number };

/** The specification's key gives one key to two states that behave differently: a mistake in the model, not a verdict. */
export class ModelKeyError extends Error {
  override readonly name = 'ModelKeyError';
}

/** How many pairs of states with equal keys are tested per history (the first ones met). */
const KEY_CHECKS = 8;

/**
 * Wing & Gong's search with Lowe's memoisation: linearize one operation at a time — only an
 * operation invoked before every pending operation's response may go next (real-time order) —
 * check its result against the model, and never revisit a (set of linearized operations,
 * model state) pair. Exponential in the worst case, fast on the small histories heddle makes.
 *
 * The state in that pair is the model's key when it has one. Without a key nothing tells two
 * states apart, so the state is named by the calls that built it (name and arguments in order):
 * two orders that made the same calls — swapped identical calls — reach the same state of a
 * deterministic model; every other order is searched on its own.
 *
 * An operation that was called and never returned (`result: null`, the execution ended first)
 * may take effect with any result, or not at all.
 */
export async function checkHistory<S>(ops: readonly HistoryOp[], model: SequentialModel<S>, budget = 200_000): Promise<LinearizabilityVerdict> {
  const n = ops.length;
  const done = new Array<boolean>(n).fill(false);
  const seen = new Set<string>();
  const order: HistoryOp[] = [];
  let explored = 0;
  let completedLeft = ops.filter((o) => o.result !== null).length;
  // The deepest dead end, for the explanation.
  let deepest: { prefix: HistoryOp[]; tried: string[] } = { prefix: [], tried: [] };

  // Each distinct call (name and arguments) gets a number: the names of states without a key.
  const callIds = new Map<string, number>();
  const callOf = ops.map((o) => {
    const text = `${o.name}(${o.args.map((a) => showResult({ value: a })).join(',')})`;
    if (!callIds.has(text)) callIds.set(text, callIds.size);
    return callIds.get(text)!;
  });
  const probes = [...callIds.values()].map((id) => ops[callOf.indexOf(id)]!);
  const keyTest = model.key === undefined ? null : new KeyTest(model as Required<SequentialModel<S>>, probes);

  const search = async (state: S, stateName: string): Promise<boolean> => {
    if (completedLeft === 0) return true;
    if (++explored > budget) throw new RangeError(`linearizability search gave up after ${budget} states`);
    let horizon = Infinity; // the earliest response among pending operations
    for (let i = 0; i < n; i++) if (!done[i] && ops[i]!.returned < horizon) horizon = ops[i]!.returned;
    const tried: string[] = [];
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      if (done[i] || op.invoked > horizon) continue;
      const next = await model.apply(state, op.name, op.args);
      if (op.result !== null && !sameResult(next.result, op.result)) {
        tried.push(`${showCall(op)} by task ${op.task} returned ${showResult(op.result)}, but the specification gives ${showResult(next.result)}`);
        continue;
      }
      let name = keyTest === null ? `${stateName}.${callOf[i]}` : keyTest.key(next.state);
      if (typeof name !== 'string') name = await name;
      done[i] = true;
      const memo = `${done.map((d) => (d ? 1 : 0)).join('')}|${name}`;
      if (!seen.has(memo)) {
        seen.add(memo);
        order.push(op);
        if (op.result !== null) completedLeft--;
        const found = await search(next.state, name);
        if (op.result !== null) completedLeft++;
        if (found) return true;
        order.pop();
      }
      done[i] = false;
    }
    if (order.length >= deepest.prefix.length && tried.length > 0) deepest = { prefix: [...order], tried };
    return false;
  };

  const init = await model.init();
  if (await search(init, keyTest === null ? '' : await keyTest.key(init))) return { linearizable: true, order };
  const completed = n - ops.filter((o) => o.result === null).length;
  const pending = n - completed;
  const prefix = deepest.prefix.length === 0 ? 'from the initial state' : `after ${deepest.prefix.map(showCall).join(', ')}`;
  return {
    linearizable: false,
    explored,
    explanation: `no sequential order of these ${completed} operations${pending > 0 ? ` (and any of the ${pending} that never returned)` : ''} gives their results ` +
      `(the order must respect real time: an operation that returned before another was called comes first). The longest consistent ` +
      `order gets stuck ${prefix}: ${deepest.tried.join('; ')}`,
  };
}

/**
 * The model's key, tested on a sample: the first states met under a key are kept, and a later
 * state with the same key must answer every call of the history as the kept one does (same
 * result, and next states with equal keys again).
 */
class KeyTest<S> {
  private readonly first = new Map<string, S>();
  private left = KEY_CHECKS;

  constructor(private readonly model: Required<SequentialModel<S>>, private readonly probes: readonly HistoryOp[]) {}

  /** The state's key; a promise only when this state is one of the sample to test. */
  key(state: S): string | Promise<string> {
    const key = this.model.key(state);
    if (typeof key !== 'string') throw new ModelKeyError(`the specification's key returned ${typeof key}, not a string`);
    const kept = this.first.get(key);
    if (kept === undefined) this.first.set(key, state);
    else if (kept !== state && this.left > 0) {
      this.left--;
      return this.compare(key, kept, state).then(() => key);
    }
    return key;
  }

  private async compare(key: string, a: S, b: S): Promise<void> {
    for (const probe of this.probes) {
      const [x, y] = [await this.model.apply(a, probe.name, probe.args), await this.model.apply(b, probe.name, probe.args)];
      const differ = !sameResult(x.result, y.result) ? `${showCall(probe)} returns ${showResult(x.result)} on one and ${showResult(y.result)} on the other`
        : this.model.key(x.state) !== this.model.key(y.state) ? `after ${showCall(probe)} their keys differ` : null;
      if (differ !== null) {
        throw new ModelKeyError(`the specification's key conflates states: two states have key ${JSON.stringify(key)} but ${differ}; ` +
          'the key must tell apart states that behave differently (or leave key out)');
      }
    }
  }
}
