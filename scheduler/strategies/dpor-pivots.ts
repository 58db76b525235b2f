// Pivots: how a DPOR search is cut into parts that share nothing (slices for worker threads and
// `--shard i/n`), each exactly a set of Mazurkiewicz traces.
import { dependent as heddleDependence, PIVOT_OBJECTS, type Access, type DporEvent } from '../dependence.ts';
import type { ChoiceContext } from '../strategy.ts';
import type { ObjectInfo, TaskId } from '../types.ts';
import { findRaces } from './dpor-races.ts';

/**
 * A step of a task: its `step`-th scheduling point (0-based), the task named as a DPOR search
 * names it (StableTasks: `task 1`, or `task 1/0` for the first task task 1 made), so the same
 * task in every execution of a trace, and in every part of a split search (each numbers the
 * tasks made after its first choice anew, so a part's task ids would not do).
 */
export interface TaskStep {
  readonly task: string;
  readonly step: number;
}

/**
 * One pivot of a part: `second` may not run before `first` has. Two steps that conflict run in
 * the same order in every execution of a trace, so "first before second" holds of whole traces.
 * With `firstMustOccur`, an execution in which `first` never runs is not the part's (it belongs
 * to the part with the other order, which has no such demand): each trace falls in exactly one.
 */
export interface Pivot {
  readonly first: TaskStep;
  readonly second: TaskStep;
  readonly firstMustOccur: boolean;
}

/**
 * The pivot pairs for splitting a search, from its first execution (`events`, in the search's
 * task ids; `nameOf` names them): races of it (two conflicting steps of different tasks, either
 * of which could have come first), at most `count`. Steps early in their tasks first — what a task
 * does later often depends on what it read, so a later step may be another op in another
 * execution, and the pair then does not split the search (PivotGate checks) — then the two steps
 * closest together: two close conflicting steps are about as likely in either order. With
 * `others` (more executions of the search), only pairs whose two steps ran and conflicted in each
 * of them: a pair that does not hold in every execution makes the split fall back to the whole
 * search. Only steps of tasks with a name (a task made after the first choice by no step of a task
 * has none). Not the pairs of `already` (a part's own pivots, which are races of its executions too).
 */
export function choosePivots(events: readonly DporEvent[], objects: readonly ObjectInfo[], count: number,
  others: readonly (readonly DporEvent[])[], nameOf: (task: TaskId) => string | undefined, already: readonly Pivot[] = []): [TaskStep, TaskStep][] {
  const stepOf = taskSteps(events, nameOf);
  const races = findRaces(events, 0, heddleDependence, false, objects, () => true);
  const steady = others.map((o) => stepIndex(o, nameOf));
  const pairs = races.map((r) => ({ i: r.first, j: r.second }))
    .filter((p) => p.j > p.i && p.j < events.length && stepOf[p.i] !== null && stepOf[p.j] !== null
      && steady.every((at) => conflictIn(at, stepOf[p.i]!, stepOf[p.j]!))
      && !already.some((q) => samePair(q, stepOf[p.i]!, stepOf[p.j]!)));
  const late = (p: { i: number; j: number }) => Math.max(stepOf[p.i]!.step, stepOf[p.j]!.step);
  pairs.sort((x, y) => late(x) - late(y) || x.j - x.i - (y.j - y.i) || x.i - y.i);
  // Pairs on tasks no chosen pair has first (pairs that share a task may hold each other back:
  // a part whose orders cannot all hold ends its executions early), then any other pair.
  const used = new Set<string>();
  const chosen = new Set<number>();
  const out: [TaskStep, TaskStep][] = [];
  for (const disjoint of [true, false]) {
    pairs.forEach(({ i, j }, n) => {
      const a = stepOf[i]!;
      const b = stepOf[j]!;
      if (out.length === count || chosen.has(n) || (disjoint && (used.has(a.task) || used.has(b.task)))) return;
      used.add(a.task).add(b.task);
      chosen.add(n);
      out.push([a, b]);
    });
  }
  return out;
}

/** Whether a pivot is the pair of steps a and b (in either order). */
export function samePair(q: Pivot, a: TaskStep, b: TaskStep): boolean {
  const is = (x: TaskStep, y: TaskStep) => x.task === y.task && x.step === y.step;
  return (is(q.first, a) && is(q.second, b)) || (is(q.first, b) && is(q.second, a));
}

/** Each event's task step (null for a task without a name). */
function taskSteps(events: readonly DporEvent[], nameOf: (task: TaskId) => string | undefined): (TaskStep | null)[] {
  const steps = stepsOf(events);
  return events.map((e, i) => {
    const task = nameOf(e.task);
    return task === undefined ? null : { task, step: steps[i]! };
  });
}

/** Each event's index among its task's steps. */
export function stepsOf(events: readonly DporEvent[]): number[] {
  const seen = new Map<TaskId, number>();
  return events.map((e) => {
    const n = seen.get(e.task) ?? 0;
    seen.set(e.task, n + 1);
    return n;
  });
}

/** A task step as a key. */
const key = (at: TaskStep) => `${at.task}#${at.step}`;

/** An execution's events by task step. */
function stepIndex(events: readonly DporEvent[], nameOf: (task: TaskId) => string | undefined): Map<string, DporEvent> {
  const at = new Map<string, DporEvent>();
  taskSteps(events, nameOf).forEach((ts, i) => ts !== null && at.set(key(ts), events[i]!));
  return at;
}

/** Whether both steps ran in an execution, and conflict there. */
function conflictIn(at: ReadonlyMap<string, DporEvent>, a: TaskStep, b: TaskStep): boolean {
  const x = at.get(key(a));
  const y = at.get(key(b));
  return x !== undefined && y !== undefined && heddleDependence(x, y);
}

/**
 * A part of a split DPOR search as plain data (sent to a worker thread): the traces in which
 * every pivot holds. `depth`: how many times the search was cut to make it.
 */
export interface PartSpec {
  readonly pivots: readonly Pivot[];
  readonly depth: number;
  /** Pairs not to cut it by: pairs that did not hold when it was cut by them before (see exploreParts). */
  readonly avoid?: readonly Pivot[];
}

/** Every combination of orders of the pairs: part m orders pair n as found when bit n of m is 0. */
export function pivotParts(pairs: readonly (readonly [TaskStep, TaskStep])[]): Pivot[][] {
  const parts: Pivot[][] = [];
  for (let m = 0; m < 2 ** pairs.length; m++) {
    parts.push(pairs.map(([a, b], n) => (((m >> n) & 1) === 0
      ? { first: a, second: b, firstMustOccur: false } : { first: b, second: a, firstMustOccur: true })));
  }
  return parts;
}

/** The flag accesses of a step no pivot names (shared, never changed). */
const NO_ACCESSES: readonly Access[] = [];

/** A pivot in the search's task ids (a task not yet named in the search: an id no task has). */
interface BoundPivot {
  readonly first: TaskId;
  readonly firstStep: number;
  readonly second: TaskId;
  readonly secondStep: number;
  readonly firstMustOccur: boolean;
}

/**
 * A DPOR search's view of its part's pivots during one execution. The search is DPOR on the
 * program with each pivot as a flag the first step sets and the second waits for (object ids
 * from PIVOT_OBJECTS up): held back, the second step's task is not runnable, and the flag's set
 * and wait are accesses of the two steps, so happens-before orders them and no race is reversed
 * past them (dpor-races.ts: a wait runs only after its set). The flag adds no dependence the
 * trace did not have (the two steps conflict), so the part's traces are the program's traces in
 * which each pair runs in the part's order. Pivots name tasks (TaskStep); the search tells the
 * gate each task's id as it names it (`bind`): until then the task has taken no step here.
 */
export class PivotGate {
  /** The search's id of each task a pivot names, once named; until then an id below -1 that no task has. */
  private readonly ids = new Map<string, TaskId>();
  private bound: BoundPivot[] = [];
  /** The flag accesses of each task a pivot names, by name and step. */
  private readonly flagsByName = new Map<string, Map<number, Access[]>>();
  /** Choice steps each task a pivot names has taken in the current execution (no pivot asks about the others). */
  private readonly counts = new Map<TaskId, number>();
  /** The flag accesses of each named task a pivot names, by id and step. */
  private readonly flags = new Map<TaskId, Map<number, Access[]>>();
  /** The tasks a pivot holds back from their next step now (changes only when a pivot's task steps). */
  private held: TaskId[] = [];
  private previous: TaskId | null = null;
  /** The index of the first pivot whose two steps commuted in an execution (it does not split the scenario exactly), or -1. */
  violated = -1;

  constructor(readonly pivots: readonly Pivot[]) {
    pivots.forEach((p, n) => {
      this.flag(p.first, { kind: 'set', object: PIVOT_OBJECTS + n });
      this.flag(p.second, { kind: 'wait', object: PIVOT_OBJECTS + n });
    });
    [...this.flagsByName.keys()].forEach((name, n) => this.ids.set(name, -2 - n));
    this.bindPivots();
    this.reset();
  }

  private flag(at: TaskStep, access: Access): void {
    let steps = this.flagsByName.get(at.task);
    if (steps === undefined) this.flagsByName.set(at.task, (steps = new Map()));
    steps.set(at.step, [...(steps.get(at.step) ?? []), access]);
  }

  private bindPivots(): void {
    this.bound = this.pivots.map((p) => ({ first: this.ids.get(p.first.task)!, firstStep: p.first.step,
      second: this.ids.get(p.second.task)!, secondStep: p.second.step, firstMustOccur: p.firstMustOccur }));
  }

  /** The search named task `name` `id` (the same id in each of its executions). */
  bind(name: string, id: TaskId): void {
    const steps = this.flagsByName.get(name);
    if (steps === undefined || this.ids.get(name) === id) return;
    this.ids.set(name, id);
    this.flags.set(id, steps);
    this.counts.set(id, 0);
    this.bindPivots();
    this.hold();
  }

  reset(): void {
    for (const task of this.flags.keys()) this.counts.set(task, 0);
    this.previous = null;
    this.hold();
  }

  /** At each scheduling point, before anything else: the step chosen at the previous one has been taken. */
  enter(): void {
    const previous = this.previous;
    if (previous === null) return;
    this.previous = null;
    const n = this.counts.get(previous);
    if (n === undefined) return;
    this.counts.set(previous, n + 1);
    this.hold();
  }

  /** The task chosen at this scheduling point. */
  chose(task: TaskId): void {
    this.previous = task;
  }

  /** Steps `task` has taken: the index of its next one (0 for a task no pivot names, or not named yet: never asked). */
  private taken(task: TaskId): number {
    return this.counts.get(task) ?? 0;
  }

  /** Recomputes `held`, after a step of a task a pivot names. */
  private hold(): void {
    this.held = this.bound.filter((p) => this.taken(p.second) === p.secondStep && this.taken(p.first) <= p.firstStep)
      .map((p) => p.second);
  }

  /** Whether a pivot holds some task back now. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** Whether a pivot holds `task` back from its next step. */
  refused(task: TaskId): boolean {
    return this.held.includes(task);
  }

  /** The flag accesses of `task`'s `step`-th step (shared: not to be changed). */
  accesses(task: TaskId, step: number): readonly Access[] {
    return this.flags.get(task)?.get(step) ?? NO_ACCESSES;
  }

  /** The flag accesses of the last step `task` took (for the sleep set of the state after it). */
  lastAccesses(task: TaskId): readonly Access[] {
    return this.accesses(task, this.taken(task) - 1);
  }

  /** What every live task was about to do when the pivots held back every runnable one (as at a deadlock). */
  waiting(ctx: ChoiceContext): DporEvent[] {
    return ctx.live.flatMap((t) => {
      const op = ctx.pending(t);
      return op === null ? [] : [{ task: t, accesses: [{ kind: op.kind, object: op.object }, ...this.accesses(t, this.taken(t))] }];
    });
  }

  /**
   * Adds the flag accesses to an execution's events, and checks what the split rests on: the two
   * steps of a pair, where both ran, conflict (`dependent`, the search's own relation).
   */
  annotate(events: { task: TaskId; accesses: Access[] }[], checkPairs: boolean, dependent: (a: DporEvent, b: DporEvent) => boolean): void {
    const seen = new Map<TaskId, number>();
    const at = new Map<string, DporEvent>();
    for (const e of events) {
      const steps = this.flags.get(e.task);
      if (steps === undefined) continue;
      const k = seen.get(e.task) ?? 0;
      seen.set(e.task, k + 1);
      const extra = steps.get(k);
      if (extra === undefined) continue;
      at.set(`${e.task}.${k}`, { task: e.task, accesses: [...e.accesses] });
      e.accesses.push(...extra);
    }
    if (!checkPairs) return;
    this.bound.forEach((p, n) => {
      const a = at.get(`${p.first}.${p.firstStep}`);
      const b = at.get(`${p.second}.${p.secondStep}`);
      if (a !== undefined && b !== undefined && !dependent(a, b)) {
        if (this.violated < 0) this.violated = n;
      }
    });
  }

  /** Why the pivots do not split this scenario exactly, once an execution showed it (see `violated`). */
  get violation(): string | null {
    const p = this.pivots[this.violated];
    return p === undefined ? null : `step ${p.first.step + 1} of ${p.first.task} and step ${p.second.step + 1} of ${p.second.task} do not conflict in every execution`;
  }

  /** Whether the execution that just ended belongs to another part: a pivot's first step that must run never did. */
  outside(): boolean {
    this.enter(); // its last step
    return this.bound.some((p) => p.firstMustOccur && this.taken(p.first) <= p.firstStep);
  }
}
