import { dependent, isObjectAccess, rememberEvent, type Access, type DporEvent } from '../dependence.ts';
import { FixedDraws } from '../draws.ts';
import { PruneExecution, type ChoiceContext, type Strategy } from '../strategy.ts';
import type { ExecutionResult, TaskId, TraceStep } from '../types.ts';

/** Ops whose disabled state no reordering can end earlier (see reverse()). */
const IMPOSSIBLE_FIRST: ReadonlySet<string> = new Set(['join', 'start', 'sleep']);

/** One state on the current path. */
interface Frame {
  /** Tasks runnable here (copied: the context's array is reused). */
  readonly runnable: readonly TaskId[];
  /** The next op of every live task here, for the sleep set of the next frame. */
  readonly next: ReadonlyMap<TaskId, Access>;
  /** Tasks asleep on entering: exploring them here would repeat an explored trace. */
  readonly sleep: ReadonlyMap<TaskId, DporEvent>;
  /** Tasks to explore from here (grows as races are found). */
  readonly backtrack: Set<TaskId>;
  /** Tasks already explored from here, with the event each produced. */
  readonly done: Map<TaskId, DporEvent>;
  chosen: TaskId;
  /** The event the chosen task produced in the current execution. */
  event: DporEvent | null;
  /**
   * Objects with an id below this were in use before this state, so they keep their ids in every
   * execution through it; ids at or above it follow this execution's order of first use.
   */
  readonly known: number;
}

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
  constructor(slice: { index: number; count: number } = { index: 0, count: 1 }, conservative = false, seed = '1') {
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
    if (this.split.stopsAt(step)) throw new PruneExecution('probe of a subtree root: its first step is known');
    if (step < this.path.length) return this.draws.chose(this.path[step]!.chosen);
    const sleep = step === 0 ? new Map<TaskId, DporEvent>() : this.childSleep(this.path[step - 1]!, ctx);
    const next = new Map<TaskId, Access>();
    let known = step === 0 ? 0 : knownAfter(this.path[step - 1]!);
    for (const t of ctx.live) {
      const op = ctx.pending(t);
      if (op === null) continue;
      const access = { kind: op.kind, object: op.object };
      next.set(t, access);
      if (isObjectAccess(access)) known = Math.max(known, access.object + 1);
    }
    const awake = ctx.runnable.filter((t) => !sleep.has(t));
    if (awake.length === 0) throw new PruneExecution('every runnable task is asleep: this trace was explored');
    const chosen = ctx.current !== null && awake.includes(ctx.current) ? ctx.current : awake[0]!;
    this.path.push({ runnable: [...ctx.runnable], next, sleep, backtrack: new Set([chosen]), done: new Map(), chosen, event: null, known });
    return this.draws.chose(chosen);
  }

  nextRandom(): number {
    return this.draws.next();
  }

  coverage(traces: number): string {
    const n = traces.toLocaleString('en');
    const drawn = this.draws.used ? this.draws.caveat() : '';
    if (!this.finished) return `no failure in ${n} traces (search cut by --max-schedules: not a proof)${drawn}`;
    return drawn ? `explored all ${n} traces${drawn}` : `verified: ${n} traces, complete`;
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
   * Happens-before is computed with one vector clock per event.
   */
  private addBacktracks(events: readonly DporEvent[], firstNew: number): void {
    const n = events.length;
    const clocks: number[][] = [];
    const position: number[] = []; // 1-based index of each event within its task
    const seen = new Map<TaskId, number>();
    const lastOf = new Map<TaskId, number>();
    for (let j = 0; j < n; j++) {
      const e = events[j]!;
      const own = (seen.get(e.task) ?? 0) + 1;
      seen.set(e.task, own);
      position.push(own);
      const prev = lastOf.get(e.task);
      const clock = prev === undefined ? [] : [...clocks[prev]!];
      for (let i = 0; i < j; i++) {
        if (events[i]!.task !== e.task && this.dependent(events[i]!, e)) joinInto(clock, clocks[i]!);
      }
      clock[e.task] = own;
      clocks.push(clock);
      lastOf.set(e.task, j);
    }
    const hb = (i: number, j: number) => i < j && (clocks[j]![events[i]!.task] ?? 0) >= position[i]!;
    for (let j = Math.max(1, firstNew); j < n; j++) {
      const ej = events[j]!;
      for (let i = j - 1; i >= 0; i--) {
        const ei = events[i]!;
        if (ei.task === ej.task || !this.dependent(ei, ej)) continue;
        let direct = true;
        for (let k = i + 1; k < j && direct; k++) if (hb(i, k) && hb(k, j)) direct = false;
        if (direct) this.reverse(i, j, events, hb);
      }
    }
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
    // No initial can run here. If what blocks them can never come first (a join before its task
    // ends, a task before it is spawned, a sleeper while others can run), the reversal cannot
    // happen at all. A blocking op on a lock, queue, event or semaphore may be freed by another
    // order, though: fall back to every runnable task (Flanagan & Godefroid).
    const impossible = [...initials].every((t) => IMPOSSIBLE_FIRST.has(frame.next.get(t)?.kind ?? 'start'));
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

/** Object ids in use once the frame's event has run: the frame's own, and any its event used. */
function knownAfter(frame: Frame): number {
  let known = frame.known;
  for (const x of frame.event?.accesses ?? []) if (isObjectAccess(x)) known = Math.max(known, x.object + 1);
  return known;
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

/**
 * Splits a DPOR search into independent subtrees, so slices of it run apart (worker threads,
 * `--shard i/n` on other machines) and no trace is explored twice. The root is the first step
 * with two or more runnable tasks; every choice there gets a subtree (all of them: a superset of
 * DPOR's source set is sound), explored in ascending task order. A subtree starts with the
 * earlier choices in its sleep set — as a single DPOR run would — so together the subtrees run
 * each Mazurkiewicz trace exactly once, and the same traces whatever the number of slices. The
 * events of the root choices are learnt by short probe executions, run in every slice.
 *
 * Execution indices order the whole search (subtree, then execution within it): the lowest
 * failing index is what an unsplit search meets first.
 */
class SubtreeSplit {
  /** Depth of the root step; -1 while unknown or when the tree never branches. */
  root = -1;
  probeOnly = false;
  executionIndex = 0;
  private phase: 'discover' | 'probe' | 'explore' | 'done' = 'discover';
  private prefix: Frame[] = [];
  private options: TaskId[] = [];
  private readonly events = new Map<TaskId, DporEvent>();
  private probing = -1;
  private subtree = -1;
  private local = 0;
  private stopAt = -1;

  constructor(private readonly index: number, private readonly count: number) {
    if (!Number.isInteger(count) || count < 1 || index < 0 || index >= count) throw new RangeError(`bad slice ${index + 1}/${count}`);
  }

  /** The discovery and the probes are not part of any subtree. */
  stopsAt(step: number): boolean {
    return step === this.stopAt;
  }

  /** Learns from a finished execution; true when it was a probe (or the discovery run). */
  learn(path: Frame[]): boolean {
    if (this.phase === 'discover') {
      this.root = path.findIndex((f) => f.runnable.length > 1);
      if (this.root < 0) {
        // One schedule only: it belongs to the first slice.
        this.probeOnly = this.index !== 0;
        this.phase = 'done';
        return true;
      }
      this.prefix = path.slice(0, this.root + 1).map((f) => ({ ...f, backtrack: new Set([f.chosen]), done: new Map() }));
      this.options = [...path[this.root]!.runnable];
      this.events.set(path[this.root]!.chosen, rememberEvent(path[this.root]!.event!, path[this.root]!.known));
      this.phase = 'probe';
      this.probeOnly = true;
      return true;
    }
    if (this.phase === 'probe') {
      this.events.set(path[this.root]!.chosen, rememberEvent(path[this.root]!.event!, path[this.root]!.known));
      return true;
    }
    return false;
  }

  /** True while probes or subtrees remain to be started. */
  pending(): boolean {
    return this.phase === 'probe';
  }

  /** Sets up the next probe or the next owned subtree on `path`; false when all are done. */
  next(path: Frame[], setReplayed: (depth: number) => void): boolean {
    if (this.phase === 'probe') {
      const todo = this.options.find((t) => !this.events.has(t));
      if (todo !== undefined) {
        this.load(path, todo, new Map());
        this.stopAt = this.root + 1;
        this.probeOnly = true;
        setReplayed(this.root);
        return true;
      }
      this.phase = 'explore';
    }
    if (this.phase !== 'explore') return false;
    this.stopAt = -1;
    for (let k = this.subtree + 1; k < this.options.length; k++) {
      if (k % this.count !== this.index) continue;
      this.subtree = k;
      this.local = 0;
      const done = new Map<TaskId, DporEvent>();
      for (const earlier of this.options.slice(0, k)) done.set(earlier, this.events.get(earlier)!);
      this.load(path, this.options[k]!, done);
      this.probeOnly = false;
      this.executionIndex = k * 2 ** 24;
      setReplayed(this.root);
      return true;
    }
    this.phase = 'done';
    return false;
  }

  /** Counts an execution inside the current subtree (for executionIndex). */
  advance(): void {
    if (this.phase === 'explore') this.executionIndex = this.subtree * 2 ** 24 + ++this.local;
  }

  private load(path: Frame[], choice: TaskId, done: Map<TaskId, DporEvent>): void {
    path.length = 0;
    for (const f of this.prefix.slice(0, this.root)) path.push({ ...f, backtrack: new Set(f.backtrack), done: new Map() });
    const root = this.prefix[this.root]!;
    path.push({ ...root, chosen: choice, event: null, backtrack: new Set([choice]), done });
  }
}
