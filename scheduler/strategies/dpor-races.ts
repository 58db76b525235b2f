import { PIVOT_OBJECTS, type Access, type DporEvent } from '../dependence.ts';
import { describeOp, type OpDescriptor } from '../ops.ts';
import type { ObjectInfo, TaskId } from '../types.ts';
import { enabledAfter } from './enabling.ts';

/** A race to reverse: the indices of its two events, and the reversing sequence (notdep(first) then the second). */
export interface Race {
  readonly first: number;
  /** The second event's index (the number of events for an op a task was still waiting to perform: see findRaces). */
  readonly second: number;
  readonly sequence: readonly DporEvent[];
}

/**
 * The races of an execution whose second event is at or after `firstNew` (earlier ones were
 * found when that prefix first ran), and those of each `waiting` op: an op a task was still
 * waiting to perform when the execution ended (a deadlock), placed after the events alone — in
 * another order it could run, so its races are reversed too.
 *
 * Happens-before is computed with one vector clock per event, from each event's immediate
 * predecessors: its task's previous event, the earlier events it depends on (found through the
 * objects it touches, not by comparing it with every earlier event), the spawn that started its
 * task, and the last event of a task it joins. Events i < j race when they are dependent, of
 * different tasks, j can run where i ran once i and what follows from it are taken away
 * (enabling.ts), and every other immediate predecessor of j that happens after i is an op that
 * enabled j there and could not be reversed with it (the unlock between two locks of one mutex).
 * Spawn and join order tasks but never race.
 */
export function findRaces(events: readonly DporEvent[], firstNew: number, dependent: (a: DporEvent, b: DporEvent) => boolean,
  conservative: boolean, objects: readonly ObjectInfo[], runnableAt: (step: number, task: TaskId) => boolean,
  waiting: readonly DporEvent[] = []): Race[] {
  const n = events.length;
  const all = [...events]; // the events, and while its races are found, one waiting op at index n
  const clocks: number[][] = [];
  const position: number[] = []; // 1-based index of each event within its task
  const preds: number[][] = []; // immediate happens-before predecessors of each event
  const deps: number[][] = []; // earlier dependent events of other tasks, ascending
  const seen = new Map<TaskId, number>();
  const lastOf = new Map<TaskId, number>();
  const spawnedAt = new Map<TaskId, number>();
  const byObject = new Map<number, number[]>();
  const stamp: number[] = []; // the placement that last looked at each event (a waiting op is placed at n, once each)
  let placements = 0;

  /** Event j's place in happens-before, from the events before it (read only). */
  const place = (j: number): void => {
    const e = all[j]!;
    const own = (seen.get(e.task) ?? 0) + 1;
    const before: number[] = [];
    const prev = lastOf.get(e.task);
    if (prev !== undefined) before.push(prev);
    else if (spawnedAt.has(e.task)) before.push(spawnedAt.get(e.task)!);
    for (const x of e.accesses) {
      // a join acquires from its task's end
      if (describeOp(x.kind).acquires?.from === 'task-end' && lastOf.has(x.object)) before.push(lastOf.get(x.object)!);
    }
    const dependsOn: number[] = [];
    const mark = ++placements;
    for (const i of candidates(all, j, byObject, conservative)) {
      if (stamp[i] === mark || all[i]!.task === e.task) continue;
      stamp[i] = mark;
      if (dependent(all[i]!, e)) dependsOn.push(i);
    }
    dependsOn.sort((a, b) => a - b);
    const clock = prev === undefined ? [] : [...clocks[prev]!];
    for (const i of before) joinInto(clock, clocks[i]!);
    for (const i of dependsOn) joinInto(clock, clocks[i]!);
    clock[e.task] = own;
    clocks[j] = clock;
    position[j] = own;
    preds[j] = [...before, ...dependsOn];
    deps[j] = dependsOn;
  };
  for (let j = 0; j < n; j++) {
    place(j);
    const e = all[j]!;
    for (const x of e.accesses) {
      const op = describeOp(x.kind);
      if (op.releases === 'task-start') spawnedAt.set(x.object, j); // a spawn releases to its child's start
      index(x, op, j, byObject);
    }
    seen.set(e.task, position[j]!);
    lastOf.set(e.task, j);
  }
  const hb = (i: number, j: number) => i < j && (clocks[j]![all[i]!.task] ?? 0) >= position[i]!;

  /** Whether event j could run right after notdep(i), where event i ran. */
  const canRunFirst = (i: number, j: number): boolean => {
    const ej = all[j]!;
    // A split search's pivot (dpor-pivots.ts): the step waits for its flag whatever its op is.
    for (const x of ej.accesses) if (x.object >= PIVOT_OBJECTS && !enabledThere(x, i, j)) return false;
    const op = ej.accesses[0];
    if (op === undefined) return true;
    const blocks = describeOp(op.kind).blocks;
    if (blocks === null) return true;
    // A start, a join, a wake-up: never put before what enabled it; it can go first only where
    // its task could already run (two sleepers woken together), as the task's first step in the
    // sequence — or, a wake-up, after the task's earlier steps there (a timer's task that starts,
    // then sleeps until a time already past): time is not an event, and if it has not come, the
    // plan cannot be followed and every runnable task becomes a branch there (DporStrategy).
    if (!blocks.reorderable) {
      if (!runnableAt(i, ej.task)) return false;
      if (describeOp(op.kind).role === 'time') return true;
      for (let k = i + 1; k < j; k++) if (all[k]!.task === ej.task && !hb(i, k)) return false;
      return true;
    }
    // An await of a combined promise also awaits, in place, each input that decided it: all must have settled.
    return ej.accesses.every((x, n) => (n > 0 && x.kind !== 'await-input') || enabledThere(x, i, j));
  };

  /** Whether op `x` of event j is enabled after notdep(i): the accesses to its object before j, without i and what follows from it. */
  const enabledThere = (x: Access, i: number, j: number): boolean => {
    const history: Access[] = [];
    const actual: Access[] = [];
    for (const k of byObject.get(x.object) ?? []) {
      if (k >= j) break;
      const on = all[k]!.accesses.filter((y) => y.object === x.object && touchesObject(y, describeOp(y.kind)));
      actual.push(...on);
      if (k < i || (k > i && !hb(i, k))) history.push(...on);
    }
    return enabledAfter(x, history, actual, objects[x.object]);
  };

  const races: Race[] = [];
  /** The races whose second event is j, the last of `all`'s first `end` events. */
  const racesOf = (j: number, end: number): void => {
    const ej = all[j]!;
    const dependsOn = deps[j]!;
    for (let d = dependsOn.length - 1; d >= 0; d--) {
      const i = dependsOn[d]!;
      if (isTaskOrder(all[i]!, ej)) continue;
      const direct = preds[j]!.every((k) => k === i || !hb(i, k)
        || (all[k]!.task !== ej.task && dependent(all[k]!, ej) && !canRunFirst(k, j)));
      if (!direct || !canRunFirst(i, j)) continue;
      // notdep(i): every later event of the execution that does not happen after i — those after
      // j too (Abdulla et al. define it over the whole execution): a sequence cut at j leaves the
      // rest to a free choice, and a sleeping task then counts as a weak initial of it wrongly.
      const sequence: DporEvent[] = [];
      for (let k = i + 1; k < end; k++) if (k !== j && !hb(i, k)) sequence.push(all[k]!);
      sequence.push(ej);
      races.push({ first: i, second: j, sequence });
    }
  };
  for (let j = Math.max(1, firstNew); j < n; j++) racesOf(j, n);
  for (const op of waiting) {
    all[n] = op;
    place(n);
    racesOf(n, n + 1);
  }
  return races;
}

/** Earlier events that may depend on event j: those touching one of its objects (or all, when conservative). */
function candidates(events: readonly DporEvent[], j: number, byObject: ReadonlyMap<number, number[]>, conservative: boolean): Iterable<number> {
  if (conservative) return Array.from({ length: j }, (_, i) => i);
  const out: number[] = [];
  for (const x of events[j]!.accesses) {
    const op = describeOp(x.kind);
    if (touchesObject(x, op)) out.push(...(byObject.get(x.object) ?? []));
    if (op.role === 'time') out.push(...(byObject.get(TIME) ?? [])); // a wake-up orders against all others and responses
    // Effects heddle cannot see order against everything in memory; memory accesses against them.
    if (op.wildcard) out.push(...(byObject.get(MEMORY) ?? []));
    else if (inMemory(op)) out.push(...(byObject.get(UNSEEN) ?? []));
  }
  return out;
}

function index(x: Access, op: OpDescriptor, j: number, byObject: Map<number, number[]>): void {
  if (touchesObject(x, op)) pushOnce(byObject, x.object, j);
  if (op.role === 'time' || op.flexible) pushOnce(byObject, TIME, j); // wake-ups, and what may come before or after one
  if (inMemory(op)) pushOnce(byObject, MEMORY, j);
  if (op.wildcard) pushOnce(byObject, UNSEEN, j);
}

/** Whether the access's `object` is an object it touches (spawn and join name tasks; start, yield … nothing). */
function touchesObject(x: Access, op: OpDescriptor): boolean {
  return x.object >= 0 && op.target !== 'task';
}

/** Index key of every sleep and response: they conflict whatever their objects (see OpRole 'time', flexible). */
const TIME = -2;
/** Index keys of every access to plain memory, and of every effect heddle could not see (see OpDescriptor.wildcard). */
const MEMORY = -3;
const UNSEEN = -4;

/** Whether the op touches plain memory (a location, or all of it). */
function inMemory(op: OpDescriptor): boolean {
  return typeof op.target !== 'string' && op.target.includes('memory');
}

function pushOnce(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

/**
 * The later event can never come first: the earlier one spawned its task, or it joins the
 * earlier one's task. Such pairs order tasks; they are never races to reverse.
 */
function isTaskOrder(earlier: DporEvent, later: DporEvent): boolean {
  return earlier.accesses.some((x) => x.object === later.task && describeOp(x.kind).releases === 'task-start')
    || later.accesses.some((y) => y.object === earlier.task && describeOp(y.kind).acquires?.from === 'task-end');
}

function joinInto(into: number[], from: readonly number[]): void {
  for (let t = 0; t < from.length; t++) {
    const v = from[t] ?? 0;
    if (v > (into[t] ?? 0)) into[t] = v;
  }
}
