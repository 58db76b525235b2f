import { dependent, isObjectAccess, rememberEvent, type Access, type DporEvent } from '../dependence.ts';
import { FixedDraws } from '../draws.ts';
import { SubtreeSplit, type Frame } from '../dpor-split.ts';
import { describeOp, type OpDescriptor } from '../ops.ts';
import { PruneExecution, ScheduleDivergence, type ChoiceContext, type Strategy } from '../strategy.ts';
import type { ExecutionResult, TaskId, TraceStep } from '../types.ts';

// Thrown often (every sleep-set-blocked execution): made once, not with a fresh stack each time.
const PROBED = new PruneExecution('probe of a subtree root: its first step is known');
const ASLEEP = new PruneExecution('every runnable task is asleep: this trace was explored');

/**
 * Dynamic partial-order reduction: source sets with sleep sets (Abdulla, Aronis, Jonsson,
 * Sagonas 2014). After each execution, every pair of dependent events of different tasks that
 * are in a race (ordered by happens-before only through their own dependence) gets the reverse
 * order scheduled: some task that can start the reversed order is added to the backtrack set of
 * the state before the first event. Sleep sets keep each Mazurkiewicz trace from being run twice;
 * an execution that can only repeat explored behaviour is cut short (pruned) and not counted.
 */
export class DporStrategy implements Strategy {
  readonly name = 'dpor';
  private readonly path: Frame[] = [];
  /** Frames below this index are replayed as they are; new frames start at it. */
  private replayed = 0;
  private started = false;
  /** Every backtrack point of this search (or slice) has been explored. */
  private finished = false;
  private readonly draws: FixedDraws;
  /** A proof: every trace explored, and the scenario drew no value (draws are not enumerated). */
  get complete(): boolean {
    return this.finished && !this.draws.used;
  }
  /** Splitting into subtrees at the first branching step (see SubtreeSplit). */
  private readonly split: SubtreeSplit;

  private readonly dependent: (a: DporEvent, b: DporEvent) => boolean;

  /**
   * `conservative`: every two steps of different tasks are dependent. For code not written for
   * heddle, which shares plain JavaScript state heddle cannot see (a Map inside a library): the
   * search is then a DFS with sleep sets, sound but without reduction.
   */
  constructor(slice: { index: number; count: number } = { index: 0, count: 1 }, private readonly conservative = false, seed = '1') {
    this.draws = new FixedDraws(seed);
    this.split = new SubtreeSplit(slice.index, slice.count);
    this.dependent = conservative ? (a, b) => a.task !== b.task || dependent(a, b) : dependent;
  }

  get probeOnly(): boolean {
    return this.split.probeOnly;
  }

  get executionIndex(): number {
    return this.split.executionIndex;
  }

  newExecution(): boolean {
    this.draws.reset();
    if (!this.started) {
      this.started = true;
      return true;
    }
    if (this.split.pending()) return this.continue(this.split.next(this.path, (depth) => (this.replayed = depth)));
    if (this.split.root >= 0 && this.backtrack()) {
      this.split.advance();
      return true;
    }
    return this.continue(this.split.next(this.path, (depth) => (this.replayed = depth)));
  }

  private continue(more: boolean): boolean {
    if (!more) this.finished = true;
    return more;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    const step = ctx.step;
    if (this.split.stopsAt(step)) throw PROBED;
    if (step < this.path.length) {
      const frame = this.path[step]!;
      const changed = replayMismatch(frame, ctx);
      if (changed !== null) throw new ScheduleDivergence(changed);
      return this.draws.chose(frame.chosen);
    }
    const sleep = step === 0 ? new Map<TaskId, DporEvent>() : this.childSleep(this.path[step - 1]!, ctx);
    const next = new Map<TaskId, Access>();
    // Objects made before this state (even if no op touched them yet) keep their ids in every
    // execution from it; later ones may be numbered differently (see rememberEvent).
    const known = ctx.objectCount;
    for (const t of ctx.live) {
      const op = ctx.pending(t);
      if (op === null) continue;
      next.set(t, { kind: op.kind, object: op.object });
    }
    const awake = ctx.runnable.filter((t) => !sleep.has(t));
    if (awake.length === 0) throw ASLEEP;
    const chosen = ctx.current !== null && awake.includes(ctx.current) ? ctx.current : awake[0]!;
    this.path.push({ runnable: [...ctx.runnable], next, sleep, backtrack: new Set([chosen]), done: new Map(), chosen, event: null, known });
    return this.draws.chose(chosen);
  }

  nextRandom(): number {
    return this.draws.next();
  }

  coverage(traces: number): string {
    const n = `${traces.toLocaleString('en')} trace${traces === 1 ? '' : 's'}`;
    const drawn = this.draws.used ? this.draws.caveat() : '';
    if (!this.finished) return `no failure in ${n} (search cut by --max-schedules: not a proof)${drawn}`;
    return drawn ? `explored all ${n}${drawn}` : `verified: ${n}, complete`;
  }

  endExecution(result: ExecutionResult): void {
    const events = toEvents(result.trace);
    const n = Math.min(events.length, this.path.length);
    for (let i = 0; i < n; i++) this.path[i]!.event = events[i]!;
    if (this.split.learn(this.path)) return; // a probe: nothing to analyse
    this.addBacktracks(events.slice(0, n), this.replayed);
  }

  /** The sleep set on entering a state: what slept or was explored before, and commutes with the step taken. */
  private childSleep(parent: Frame, ctx: ChoiceContext): Map<TaskId, DporEvent> {
    const taken: DporEvent = { task: parent.chosen, accesses: ctx.previousStep().map((op) => ({ kind: op.kind, object: op.object })) };
    parent.event = taken;
    const sleep = new Map<TaskId, DporEvent>();
    for (const source of [parent.sleep, parent.done]) {
      for (const [task, event] of source) if (task !== parent.chosen && !this.dependent(event, taken)) sleep.set(task, event);
    }
    return sleep;
  }

  /**
   * Race analysis over the events of the execution just run (pairs whose later event is new).
   * Happens-before is computed with one vector clock per event, from each event's immediate
   * predecessors: its task's previous event, the earlier events it depends on (found through the
   * objects it touches, not by comparing it with every earlier event), the spawn that started
   * its task, and the last event of a task it joins. Two dependent events race when no other
   * immediate predecessor of the later one happens after the earlier one. Spawn and join order
   * tasks but never race: no order could put a task's step before its spawn or a join before
   * the joined task's end.
   */
  private addBacktracks(events: readonly DporEvent[], firstNew: number): void {
    const n = events.length;
    const clocks: number[][] = [];
    const position: number[] = []; // 1-based index of each event within its task
    const preds: number[][] = []; // immediate happens-before predecessors of each event
    const deps: number[][] = []; // earlier dependent events of other tasks, ascending
    const seen = new Map<TaskId, number>();
    const lastOf = new Map<TaskId, number>();
    const spawnedAt = new Map<TaskId, number>();
    const byObject = new Map<number, number[]>();
    const stamp: number[] = [];
    for (let j = 0; j < n; j++) {
      const e = events[j]!;
      const own = (seen.get(e.task) ?? 0) + 1;
      seen.set(e.task, own);
      position.push(own);
      const before: number[] = [];
      const prev = lastOf.get(e.task);
      if (prev !== undefined) before.push(prev);
      else if (spawnedAt.has(e.task)) before.push(spawnedAt.get(e.task)!);
      const dependsOn: number[] = [];
      for (const i of this.candidates(events, j, byObject)) {
        if (stamp[i] === j || events[i]!.task === e.task) continue;
        stamp[i] = j;
        if (this.dependent(events[i]!, e)) dependsOn.push(i);
      }
      dependsOn.sort((a, b) => a - b);
      for (const x of e.accesses) {
        const op = describeOp(x.kind); // a spawn releases to its child's start, a join acquires from its task's end
        if (op.releases === 'task-start') spawnedAt.set(x.object, j);
        if (op.acquires?.from === 'task-end' && lastOf.has(x.object)) before.push(lastOf.get(x.object)!);
        this.index(x, op, j, byObject);
      }
      const clock = prev === undefined ? [] : [...clocks[prev]!];
      for (const i of before) joinInto(clock, clocks[i]!);
      for (const i of dependsOn) joinInto(clock, clocks[i]!);
      clock[e.task] = own;
      clocks.push(clock);
      preds.push([...before, ...dependsOn]);
      deps.push(dependsOn);
      lastOf.set(e.task, j);
    }
    const hb = (i: number, j: number) => i < j && (clocks[j]![events[i]!.task] ?? 0) >= position[i]!;
    for (let j = Math.max(1, firstNew); j < n; j++) {
      const ej = events[j]!;
      const dependsOn = deps[j]!;
      for (let d = dependsOn.length - 1; d >= 0; d--) {
        const i = dependsOn[d]!;
        if (isTaskOrder(events[i]!, ej)) continue;
        if (preds[j]!.every((k) => k === i || !hb(i, k))) this.reverse(i, j, events, hb);
      }
    }
  }

  /** Earlier events that may depend on event j: those touching one of its objects (or all, when conservative). */
  private candidates(events: readonly DporEvent[], j: number, byObject: ReadonlyMap<number, number[]>): Iterable<number> {
    if (this.conservative) return Array.from({ length: j }, (_, i) => i);
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

  private index(x: Access, op: OpDescriptor, j: number, byObject: Map<number, number[]>): void {
    if (touchesObject(x, op)) push(byObject, x.object, j);
    if (op.role === 'time' || op.flexible) push(byObject, TIME, j); // wake-ups, and what may come before or after one
    if (inMemory(op)) push(byObject, MEMORY, j);
    if (op.wildcard) push(byObject, UNSEEN, j);
  }

  /** Schedules the reverse of the race (i, j): a task that can start `notdep(i).j` goes into backtrack(i). */
  private reverse(i: number, j: number, events: readonly DporEvent[], hb: (a: number, b: number) => boolean): void {
    if (i <= this.split.root) return; // the root's choices are all explored, one subtree each
    const frame = this.path[i]!;
    const v: number[] = [];
    for (let k = i + 1; k < j; k++) if (!hb(i, k)) v.push(k);
    v.push(j);
    const initials = new Set<TaskId>();
    const firstSeen = new Set<TaskId>();
    for (let a = 0; a < v.length; a++) {
      const k = v[a]!;
      const task = events[k]!.task;
      if (firstSeen.has(task)) continue;
      firstSeen.add(task);
      let free = true;
      for (let b = 0; b < a && free; b++) if (hb(v[b]!, k)) free = false;
      if (free) initials.add(task);
    }
    const enabled = [...initials].filter((t) => frame.runnable.includes(t));
    if (enabled.some((t) => frame.backtrack.has(t))) return;
    if (enabled.length > 0) {
      frame.backtrack.add(enabled.includes(events[j]!.task) ? events[j]!.task : Math.min(...enabled));
      return;
    }
    // No initial can run here. If what blocks them can never come first (not reorderable: a
    // join before its task ends, a task before it is spawned, a sleeper while others can run),
    // the reversal cannot happen at all. A blocking op on a lock, queue, event or semaphore may
    // be freed by another order, though: fall back to every runnable task (Flanagan & Godefroid).
    const impossible = [...initials].every((t) => describeOp(frame.next.get(t)?.kind ?? 'start').blocks?.reorderable === false);
    if (!impossible) for (const t of frame.runnable) frame.backtrack.add(t);
  }

  /** Takes the next unexplored backtrack choice at the deepest frame that has one (below the root). */
  private backtrack(): boolean {
    while (this.path.length > this.split.root + 1) {
      const depth = this.path.length - 1;
      const frame = this.path[depth]!;
      if (frame.event !== null) frame.done.set(frame.chosen, rememberEvent(frame.event, frame.known));
      else frame.done.set(frame.chosen, { task: frame.chosen, accesses: [frame.next.get(frame.chosen) ?? { kind: 'yield', object: -1 }] });
      const next = [...frame.backtrack].filter((t) => !frame.done.has(t) && !frame.sleep.has(t) && frame.runnable.includes(t))
        .sort((a, b) => a - b)[0];
      if (next !== undefined) {
        frame.chosen = next;
        frame.event = null;
        this.replayed = depth;
        return true;
      }
      this.path.pop();
    }
    return false;
  }
}


/**
 * Why a replayed prefix step no longer matches what was recorded there (the chosen task is not
 * runnable, or is about to do another op or touch another object), or null when it matches. The
 * backtrack points below it were computed from the recorded events: exploring on would silently
 * search a different tree.
 */
function replayMismatch(frame: Frame, ctx: ChoiceContext): string | null {
  const task = frame.chosen;
  const was = frame.next.get(task);
  const now = ctx.runnable.includes(task) ? ctx.pending(task) : null;
  if (was !== undefined && now !== null && now.kind === was.kind && now.object === was.object) return null;
  const recorded = was === undefined ? 'run' : `${was.kind}${was.object >= 0 ? ` #${was.object}` : ''}`;
  const found = now === null ? 'it is not runnable' : `it is about to ${now.kind}${now.object >= 0 ? ` #${now.object}` : ''}`;
  return `the same schedule prefix ran differently: at step ${ctx.step}, task ${task} was recorded to ${recorded}, now ${found}. ` +
    `State leaks between executions (a module-level object, cache or counter survives from one run to the next) or the ` +
    `code depends on something heddle does not control; build all state inside the scenario body.`;
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

function push(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
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

/** Groups a trace into DPOR events: each choice step with the in-place steps that follow it. */
export function toEvents(trace: readonly TraceStep[]): DporEvent[] {
  const events: { task: TaskId; accesses: Access[] }[] = [];
  for (const step of trace) {
    if (step.choice) events.push({ task: step.task, accesses: [{ kind: step.kind, object: step.object }] });
    else events[events.length - 1]?.accesses.push({ kind: step.kind, object: step.object });
  }
  return events;
}
