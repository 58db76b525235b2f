import { ownAsync } from '../instrument/own.ts';
import seedrandom from 'seedrandom';
import { random, spawn } from '../primitives/task.ts';
import { scenario, type Expectation, type Scenario } from '../scenario.ts';
import { checkHistory, ModelKeyError, type SequentialModel } from './checker.ts';
import { HistoryRecorder, showCall, showResult, type HistoryOp, type OpResult } from './history.ts';

export interface LinOperation<T> {
  /** The operation's arguments, drawn from a seeded generator. Default: none. */
  readonly args?: (rand: () => number) => unknown[];
  readonly run: (obj: T, args: readonly unknown[]) => unknown;
}

export interface LinSpec<T, S = unknown> {
  readonly name: string;
  /** A fresh concurrent object; called once per execution, inside it. */
  readonly create: () => T;
  readonly operations: Readonly<Record<string, LinOperation<T>>>;
  /** The sequential specification; default: the same class, run alone (outside the checker). */
  readonly model?: SequentialModel<S>;
  /** Concurrent tasks (default 3). */
  readonly tasks?: number;
  /** Operations per task at most (default 3); each slot is filled with probability 3/4. */
  readonly opsPerTask?: number;
  readonly expect?: Expectation;
  readonly description?: string;
  /** Data-race detection (default off: the question here is linearizability). */
  readonly races?: boolean;
}

// Three draws per operation slot, always, so a slot can be emptied without moving the others:
// presence, which operation, and a seed for its arguments.
const DRAWS_PER_SLOT = 3;
const PRESENT_BELOW = 0.75;
const ABSENT = 0.99;

interface PlannedOp {
  readonly name: string;
  readonly args: unknown[];
}

function plan<T>(spec: LinSpec<T, unknown>, draws: readonly number[], tasks: number, slots: number): PlannedOp[][] {
  const names = Object.keys(spec.operations).sort();
  const out: PlannedOp[][] = [];
  for (let t = 0; t < tasks; t++) {
    const ops: PlannedOp[] = [];
    for (let k = 0; k < slots; k++) {
      const at = (t * slots + k) * DRAWS_PER_SLOT;
      if (draws[at]! >= PRESENT_BELOW) continue;
      const name = names[Math.floor(draws[at + 1]! * names.length)]!;
      const rand = seedrandom.alea(String(draws[at + 2]));
      ops.push({ name, args: spec.operations[name]!.args?.(() => rand()) ?? [] });
    }
    out.push(ops);
  }
  return out;
}

/**
 * A state of the default specification: the calls made so far, and a live object that has run
 * exactly `depth` of them. The search extends a state once by its first child and then tries
 * siblings: the first child runs its call on the parent's object (the object moves on to it);
 * any other rebuilds a fresh object from the calls. invariant: `live.depth` only grows, so at
 * most one state of a chain sharing `live` has as many calls as the object has run.
 */
export interface ClassState {
  readonly calls: readonly PlannedOp[];
  readonly live: { obj: unknown; depth: number };
}

/**
 * The default specification: the same class, its operations run one at a time on a fresh
 * object. It has no key: a class keeps state where no snapshot sees it (`#private` fields,
 * closures, Dates), so the checker tells states apart by the calls that built them.
 */
export function classModel<T>(spec: LinSpec<T, unknown>): SequentialModel<ClassState> {
  const run = async (obj: T, op: PlannedOp): Promise<OpResult> => {
    try {
      return { value: await spec.operations[op.name]!.run(obj, op.args) };
    } catch (e) {
      return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
  };
  return {
    init: () => ({ calls: [], live: { obj: spec.create(), depth: 0 } }),
    apply: async (state, name, args) => {
      const call = { name, args: [...args] };
      const calls = [...state.calls, call];
      let live = state.live;
      if (live.depth !== state.calls.length) {
        live = { obj: spec.create(), depth: 0 };
        for (const op of state.calls) await run(live.obj as T, op);
      }
      const result = await run(live.obj as T, call);
      live.depth = calls.length;
      return { state: { calls, live }, result };
    },
  };
}

/** The history as a per-task table: each task's operations in order, with what they returned. */
export function historyTable(ops: readonly HistoryOp[]): string {
  const tasks = [...new Set(ops.map((o) => o.task))].sort((a, b) => a - b);
  const columns = tasks.map((t) => ops.filter((o) => o.task === t).sort((a, b) => a.invoked - b.invoked)
    .map((o) => (o.result === null ? `${showCall(o)} → never returned  [${o.invoked}–]` : `${showCall(o)} → ${showResult(o.result)}  [${o.invoked}–${o.returned}]`)));
  const width = columns.map((c, i) => Math.max(`task ${tasks[i]}`.length, ...c.map((x) => x.length)));
  const rows = Math.max(0, ...columns.map((c) => c.length));
  const line = (cells: string[]) => '    ' + cells.map((x, i) => x.padEnd(width[i]!)).join(' │ ');
  const out = [line(tasks.map((t) => `task ${t}`)), '    ' + width.map((w) => '─'.repeat(w)).join('─┼─')];
  for (let r = 0; r < rows; r++) out.push(line(columns.map((c) => c[r] ?? '')));
  out.push('    [a–b]: when the call started and returned, in the order of events of this execution');
  return out.join('\n');
}

/**
 * A scenario that checks linearizability: each execution draws a small concurrent workload
 * (tasks × operations, from the recorded random draws), runs it on a fresh object under the
 * explored schedule, records every call and return, and checks the history against the
 * sequential specification. A failure is kind `linearizability`; shrinking drops operations
 * one at a time while the failure stays.
 */
export function linearizability<T, S = unknown>(spec: LinSpec<T, S>): Scenario {
  const tasks = spec.tasks ?? 3;
  const slots = spec.opsPerTask ?? 3;
  const model = (spec.model ?? classModel(spec as LinSpec<T, unknown>)) as SequentialModel<unknown>;
  if (Object.keys(spec.operations).length === 0) throw new TypeError(`linearizability '${spec.name}': no operations`);
  return scenario(spec.name, async () => {
    const draws: number[] = [];
    for (let i = 0; i < tasks * slots * DRAWS_PER_SLOT; i++) draws.push(random());
    const work = plan(spec as LinSpec<T, unknown>, draws, tasks, slots);
    const obj = spec.create();
    const history = new HistoryRecorder();
    const handles = work.map((ops, t) => spawn(() => ownAsync(`task${t + 1}`, calls, ops.map((op) => () =>
      history.call(t + 1, op.name, op.args, () => spec.operations[op.name]!.run(obj, op.args)))), `task${t + 1}`));
    for (const h of handles) await h.join();
    return history.ops;
  }, {
    expect: spec.expect ?? 'pass',
    races: spec.races ?? false,
    description: spec.description ?? `linearizability of ${spec.name} against its sequential specification`,
    verify: async (value) => {
      const ops = value as HistoryOp[];
      let verdict;
      try {
        verdict = await checkHistory(ops, model);
      } catch (e) {
        if (e instanceof ModelKeyError) throw new ModelKeyError(`linearizability '${spec.name}': ${e.message}`);
        throw e;
      }
      if (verdict.linearizable) return null;
      return { kind: 'linearizability', message: `${verdict.explanation}\n${historyTable(ops)}` };
    },
    shrinkRandoms: function* (randoms) {
      for (let slot = tasks * slots - 1; slot >= 0; slot--) {
        const at = slot * DRAWS_PER_SLOT;
        if ((randoms[at] ?? 1) >= PRESENT_BELOW) continue;
        const fewer = [...randoms];
        fewer[at] = ABSENT;
        yield fewer;
      }
    },
  });
}

/** A task's calls, one after the other (declared once: see ownAsync). */
function* calls(each: readonly (() => Promise<void>)[]): Generator<unknown, void, unknown> {
  for (const call of each) yield call();
}
