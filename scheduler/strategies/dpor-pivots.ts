// Pivots: how a DPOR search is cut into parts that share nothing (slices for worker threads and
// `--shard i/n`), each exactly a set of Mazurkiewicz traces.
import { dependent as heddleDependence, PIVOT_OBJECTS, type Access, type DporEvent } from '../dependence.ts';
import type { ChoiceContext } from '../strategy.ts';
import type { ExecutionResult, ObjectInfo, TaskId } from '../types.ts';
import { findRaces } from './dpor-races.ts';

/** A step of a task: its `step`-th scheduling point (0-based), the same step in every execution. */
export interface TaskStep {
  readonly task: TaskId;
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
 * The pivot pairs for splitting a search, from its first execution: races of it (two conflicting
 * steps of different tasks, either of which could have come first), at most `count`. Steps early
 * in their tasks first — what a task does later often depends on what it read, so a later step may
 * be another op in another execution, and the pair then does not split the search (PivotGate
 * checks) — then the two steps closest together: two close conflicting
 * steps are about as likely in either order. With `others` (more executions of the search), only
 * pairs whose two steps ran and conflicted in each of them: a pair that does not hold in every
 * execution makes the split fall back to the whole search. Only steps of the `named` tasks: those
 * that existed when the search first had a choice, so that a task id names the same task in every
 * execution (a task made later — a promise reaction, a call of an async function — takes the next
 * id when it is made, and which one is made first can differ between executions of one trace: a
 * pivot on it would not cut along traces). Not the pairs of `already` (a part's own pivots, which
 * are races of its executions too).
 */
export function choosePivots(events: readonly DporEvent[], objects: readonly ObjectInfo[], count: number,
  others: readonly (readonly DporEvent[])[], named: ReadonlySet<TaskId>, already: readonly Pivot[] = []): [TaskStep, TaskStep][] {
  const stepOf = taskSteps(events);
  const races = findRaces(events, 0, heddleDependence, false, objects, () => true);
  const steady = others.map((o) => stepIndex(o));
  const pairs = races.map((r) => ({ i: r.first, j: events.indexOf(r.sequence[r.sequence.length - 1]!) }))
    .filter((p) => p.j > p.i && named.has(events[p.i]!.task) && named.has(events[p.j]!.task)
      && steady.every((at) => conflictIn(at, stepOf[p.i]!, stepOf[p.j]!))
      && !already.some((q) => samePair(q, stepOf[p.i]!, stepOf[p.j]!)));
  const late = (p: { i: number; j: number }) => Math.max(stepOf[p.i]!.step, stepOf[p.j]!.step);
  pairs.sort((x, y) => late(x) - late(y) || x.j - x.i - (y.j - y.i) || x.i - y.i);
  // Pairs on tasks no chosen pair has first (pairs that share a task may hold each other back:
  // a part whose orders cannot all hold ends its executions early), then any other pair.
  const used = new Set<TaskId>();
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
function samePair(q: Pivot, a: TaskStep, b: TaskStep): boolean {
  const is = (x: TaskStep, y: TaskStep) => x.task === y.task && x.step === y.step;
  return (is(q.first, a) && is(q.second, b)) || (is(q.first, b) && is(q.second, a));
}

/** Each event's task step. */
function taskSteps(events: readonly DporEvent[]): TaskStep[] {
  const seen = new Map<TaskId, number>();
  return events.map((e) => {
    const n = seen.get(e.task) ?? 0;
    seen.set(e.task, n + 1);
    return { task: e.task, step: n };
  });
}

/** An execution's events by task step (`task.step`). */
function stepIndex(events: readonly DporEvent[]): Map<string, DporEvent> {
  const at = new Map<string, DporEvent>();
  taskSteps(events).forEach((ts, i) => at.set(`${ts.task}.${ts.step}`, events[i]!));
  return at;
}

/** Whether both steps ran in an execution, and conflict there. */
function conflictIn(at: ReadonlyMap<string, DporEvent>, a: TaskStep, b: TaskStep): boolean {
  const x = at.get(`${a.task}.${a.step}`);
  const y = at.get(`${b.task}.${b.step}`);
  return x !== undefined && y !== undefined && heddleDependence(x, y);
}

/**
 * A part of a split DPOR search as plain data (sent to a worker thread): the traces in which
 * every pivot holds. `named`: the tasks its pairs may be chosen from (choosePivots), the whole
 * search's, known after its first execution (null before: the whole search itself); `depth`:
 * how many times the search was cut to make it.
 */
export interface PartSpec {
  readonly pivots: readonly Pivot[];
  readonly named: readonly TaskId[] | null;
  readonly depth: number;
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

/**
 * A DPOR search's view of its part's pivots during one execution. The search is DPOR on the
 * program with each pivot as a flag the first step sets and the second waits for (object ids
 * from PIVOT_OBJECTS up): held back, the second step's task is not runnable, and the flag's set
 * and wait are accesses of the two steps, so happens-before orders them and no race is reversed
 * past them (dpor-races.ts: a wait runs only after its set). The flag adds no dependence the
 * trace did not have (the two steps conflict), so the part's traces are the program's traces in
 * which each pair runs in the part's order.
 */
export class PivotGate {
  /** Choice steps each task a pivot names has taken in the current execution (no pivot asks about the others). */
  private readonly counts = new Map<TaskId, number>();
  /** The flag accesses of each task a pivot names, by step. */
  private readonly flags = new Map<TaskId, Map<number, Access[]>>();
  /** The tasks a pivot holds back from their next step now (changes only when a pivot's task steps). */
  private held: TaskId[] = [];
  private previous: TaskId | null = null;
  /** Why the pivots do not split this scenario exactly (the two steps of a pair commute), once seen. */
  violation: string | null = null;

  constructor(readonly pivots: readonly Pivot[]) {
    pivots.forEach((p, n) => {
      this.flag(p.first, { kind: 'set', object: PIVOT_OBJECTS + n });
      this.flag(p.second, { kind: 'wait', object: PIVOT_OBJECTS + n });
    });
    this.reset();
  }

  private flag(at: TaskStep, access: Access): void {
    let steps = this.flags.get(at.task);
    if (steps === undefined) this.flags.set(at.task, (steps = new Map()));
    steps.set(at.step, [...(steps.get(at.step) ?? []), access]);
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

  /** Steps `task` has taken: the index of its next one (0 for a task no pivot names: never asked). */
  private taken(task: TaskId): number {
    return this.counts.get(task) ?? 0;
  }

  /** Recomputes `held`, after a step of a task a pivot names. */
  private hold(): void {
    this.held = this.pivots.filter((p) => this.taken(p.second.task) === p.second.step && this.taken(p.first.task) <= p.first.step)
      .map((p) => p.second.task);
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
    for (const p of this.pivots) {
      const a = at.get(`${p.first.task}.${p.first.step}`);
      const b = at.get(`${p.second.task}.${p.second.step}`);
      if (a !== undefined && b !== undefined && !dependent(a, b)) {
        this.violation ??= `step ${p.first.step + 1} of task ${p.first.task} and step ${p.second.step + 1} of task ${p.second.task} ` +
          'do not conflict in every execution';
      }
    }
  }

  /** Whether the execution that just ended belongs to another part: a pivot's first step that must run never did. */
  outside(): boolean {
    this.enter(); // its last step
    return this.pivots.some((p) => p.firstMustOccur && this.taken(p.first.task) <= p.first.step);
  }
}
