import { dependent, nameObjects, nameOf, rememberEvent, withoutWildcards, type Access, type DporEvent } from '../dependence.ts';
import { FixedDraws } from '../draws.ts';
import { SubtreeSplit, type Frame } from './dpor-split.ts';
import { checkSlice, PruneExecution, ScheduleDivergence, type ChoiceContext, type SearchStrategy } from '../strategy.ts';
import { findRaces } from './dpor-races.ts';
import { WakeupForest, weakInitial, type Dependence, type WakeupTree } from './wakeup.ts';
import type { ExecutionResult, TaskId, TraceStep } from '../types.ts';

// Thrown often (every sleep-set-blocked execution): made once, not with a fresh stack each time.
const PROBED = new PruneExecution('probe of a subtree root: its first step is known');
const ASLEEP = new PruneExecution('every runnable task is asleep: this trace was explored');
/** Look-ahead executions after the first one at most (see DporStrategy.lookaheads). */
const LOOKAHEADS = 1000;

/** The first execution's steps and what each step's op was (shared by its look-aheads). */
interface FirstRun {
  readonly steps: readonly TaskId[];
  readonly expect: readonly (Access | undefined)[];
}

/** A look-ahead: the first execution up to step `at`, then `task` there (whose op was `op`). */
interface Lookahead {
  readonly first: FirstRun;
  readonly at: number;
  readonly task: TaskId;
  readonly op: Access | undefined;
}

/**
 * Optimal dynamic partial-order reduction: source sets, sleep sets and wakeup trees (Abdulla,
 * Aronis, Jonsson, Sagonas, JACM 2017). Chosen over TruSt (POPL 2022) and POP (2024) because it
 * fits heddle's engine as it is: a stateless search that replays a schedule prefix and then
 * follows a planned sequence, with dependence between whole steps; TruSt needs an execution
 * graph with reads-from edges for every operation, and POP trades the trees' memory for
 * re-deriving them. The trees can hold a node for every trace still to explore (readers(n) plans
 * every subset of readers that may read before the write), so they are kept compactly (WakeupForest).
 *
 * After each execution, every race — two dependent events of different tasks, the later one
 * ordered after the earlier only through their own dependence, and able to run first — gives the
 * sequence that reverses it: the events after the first that do not depend on it, then the
 * second. It is inserted into the wakeup tree of the state before the first event unless a
 * sleeping task could start it (then it leads only to explored traces) or a planned sequence
 * already covers it. Each state explores its tree's branches in order, each with the earlier
 * ones asleep, so each Mazurkiewicz trace is run exactly once and no execution ends with every
 * runnable task asleep (when heddle can tell every object apart; see rememberEvent).
 *
 * Blocking ops: a race is reversed only if the second op could run there (enabling.ts: a lock
 * freed, a permit or an item there, the flag up); the op that enabled it (an unlock, a release,
 * a set, a put) does not hide an earlier race with the op before it (two lock operations of one
 * mutex race even though an unlock lies between them).
 */
export class DporStrategy implements SearchStrategy {
  readonly name = 'dpor';
  private readonly path: Frame[] = [];
  /** Frames below this index are replayed as they are; new frames start at it. */
  private replayed = 0;
  /** The planned steps for the next new frame (the chosen branch's subtree), or null: choose freely. */
  private plan: WakeupTree | null = null;
  /** The nodes of every wakeup tree on the path. */
  private readonly forest = new WakeupForest();
  private started = false;
  /** Every backtrack point of this search (or slice) has been explored. */
  private finished = false;
  private readonly draws: FixedDraws;
  /** A proof: every trace explored, and the scenario drew no value (draws are not enumerated). */
  get complete(): boolean {
    return this.finished && !this.draws.used;
  }
  /** Splitting into subtrees at the first branching step, for slices of a split search (see SubtreeSplit). */
  private readonly split: SubtreeSplit | null;
  private executions = 0;

  private readonly dependent: Dependence;

  /**
   * Shallow bugs first. Depth-first order meets a schedule that departs from the first one near
   * its start only after everything below it (reorder(5, 5)'s one-preemption assertion was not
   * reached in 2,000,000 traces). So DPOR also looks one step aside at every state of its first
   * execution, the shallowest first: the same prefix up to the state, another runnable task
   * there, then the running task while it can run, else the lowest runnable one. One look-ahead
   * runs after each execution of the search while any is left (at most LOOKAHEADS) and the search
   * is still in the subtree of its first branching step's lowest choice — the part a split
   * search's first slice explores in the same order, so that a look-ahead has the same place in
   * every split (its index: just after the execution it follows). A proof thus costs at most
   * twice its traces, and a large one LOOKAHEADS executions more. Look-aheads leave the search as
   * it was (no frame, no race analysis); a failing one is reported as the next schedule, the
   * others are not counted. Exploring the tree itself shallow-first is not sound: a pending
   * branch's subtree receives sequences from races found under the branches before it, so it
   * cannot be explored before them.
   */
  private lookaheads: Lookahead[] = [];
  /** Depth of the first branching step of the first execution (the look-aheads' subtree), or -1. */
  private lookaheadRoot = -1;
  private planned = false;
  private probe: Lookahead | null = null;
  get lookahead(): boolean {
    return this.probe !== null;
  }

  /**
   * `conservative`: every two steps of different tasks are dependent. For code not written for
   * heddle, which shares plain JavaScript state heddle cannot see (a Map inside a library): the
   * search is then a DFS with sleep sets, sound but without reduction.
   */
  constructor(slice: { index: number; count: number } = { index: 0, count: 1 }, private readonly conservative = false, seed = '1') {
    this.draws = new FixedDraws(seed);
    this.split = slice.count > 1 ? new SubtreeSplit(slice.index, slice.count) : null;
    if (slice.count <= 1) checkSlice(slice.index, slice.count);
    this.dependent = conservative ? (a, b) => a.task !== b.task || dependent(a, b) : dependent;
  }

  /** Nodes the wakeup trees hold now (what their memory is proportional to). */
  get wakeupNodes(): number {
    return this.forest.size;
  }

  get probeOnly(): boolean {
    return this.split?.probeOnly ?? false;
  }

  get executionIndex(): number {
    const index = this.split?.executionIndex ?? this.executions;
    return this.probe !== null ? index + 0.5 : index; // a look-ahead: just after the execution it follows
  }

  /** Depth of the split's root (its choices are explored one subtree each), or -1. */
  private get root(): number {
    return this.split?.root ?? -1;
  }

  newExecution(): boolean {
    this.draws.reset();
    if (!this.started) {
      this.started = true;
      return true;
    }
    const split = this.split;
    // After each execution in the first subtree, a look-ahead while any is left (see `lookaheads`).
    const first = split === null ? this.lookaheadRoot >= 0 && this.path[this.lookaheadRoot]?.done.size === 0 : split.inFirstSubtree;
    const next = this.probe === null && first ? this.lookaheads.shift() : undefined;
    this.probe = null;
    if (next !== undefined) {
      this.probe = next;
      return true;
    }
    if (split === null) {
      if (this.backtrack()) {
        this.executions++;
        return true;
      }
      this.finished = true;
      return false;
    }
    if (split.pending()) return this.continue(split.next(this.path, (depth) => this.restartAt(depth)));
    if (split.root >= 0 && this.backtrack()) {
      split.advance();
      return true;
    }
    return this.continue(split.next(this.path, (depth) => this.restartAt(depth)));
  }

  private restartAt(depth: number): void {
    this.replayed = depth;
    this.plan = null;
  }

  private continue(more: boolean): boolean {
    if (!more) this.finished = true;
    return more;
  }

  nextTask(ctx: ChoiceContext): TaskId {
    const step = ctx.step;
    if (this.probe !== null) return this.draws.chose(lookaheadChoice(this.probe, ctx));
    if (this.split?.stopsAt(step, ctx.objectCount)) throw PROBED;
    if (step < this.path.length) {
      const frame = this.path[step]!;
      const changed = replayMismatch(frame, ctx);
      if (changed !== null) throw new ScheduleDivergence(changed);
      if (step === this.path.length - 1) this.plan = frame.wakeup.isEmpty ? null : frame.wakeup.plan();
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
    const plan = this.plan;
    this.plan = null;
    let wakeup: WakeupTree;
    const first = plan?.firstTask;
    if (plan !== null && first !== undefined && ctx.runnable.includes(first) && !sleep.has(first)) {
      wakeup = plan;
    } else {
      const awake = ctx.runnable.filter((t) => !sleep.has(t));
      if (awake.length === 0) throw ASLEEP;
      // A plan that cannot be followed here (heddle's model of when an op can run missed a case):
      // every runnable task becomes a branch, as a search without wakeup trees would do.
      const free = plan === null || first === undefined; // no plan: one branch for now, races add more
      wakeup = this.forest.tree(free ? [ctx.current !== null && awake.includes(ctx.current) ? ctx.current : awake[0]!] : awake);
    }
    const chosen = wakeup.firstTask!;
    this.plan = wakeup.plan();
    this.path.push({ runnable: [...ctx.runnable], next, sleep, wakeup, done: new Map(), chosen, event: null, known });
    return this.draws.chose(chosen);
  }

  nextRandom(): number {
    return this.draws.next();
  }

  coverage(traces: number): string {
    const of = this.split === null ? '' : ` of slice ${this.split.index + 1}/${this.split.count}`;
    const n = `${traces.toLocaleString('en')} trace${traces === 1 ? '' : 's'}${of}`;
    const drawn = this.draws.used ? this.draws.caveat() : '';
    if (!this.finished) return `no failure in ${n} (search cut by --max-schedules: not a proof)${drawn}`;
    return drawn ? `explored all ${n}${drawn}` : `verified: ${n}, complete`;
  }

  endExecution(result: ExecutionResult): void {
    if (this.probe !== null) return; // a look-ahead: the search learns nothing from it
    if (!this.planned) {
      this.planned = true;
      this.planLookaheads();
    }
    const events = toEvents(result.trace);
    const n = Math.min(events.length, this.path.length);
    // What is kept for later executions names objects by their births (see nameObjects); the
    // race analysis works on this execution's own ids.
    const birthOf = (id: number) => result.objects[id]?.birth;
    const named = new Map<DporEvent, DporEvent>(); // each event named once (races share them)
    const name = (e: DporEvent) => {
      let x = named.get(e);
      if (x === undefined) named.set(e, (x = nameObjects(e, birthOf)));
      return x;
    };
    for (let i = 0; i < n; i++) {
      const frame = this.path[i]!;
      if (i < this.replayed && frame.event !== null) continue; // replayed: the same event as before
      frame.event = name(events[i]!);
      frame.wakeup.setFirstEvent(rememberEvent(frame.event, frame.known));
    }
    if (this.split?.learn(this.path)) return; // a probe: nothing to analyse
    const runnableAt = (step: number, task: TaskId) => this.path[step]!.runnable.includes(task);
    const waiting = (result.blockedOps ?? []).map((op) => ({ task: op.task, accesses: [{ kind: op.kind, object: op.object }] }));
    for (const race of findRaces(events.slice(0, n), this.replayed, this.dependent, this.conservative, result.objects, runnableAt, waiting)) {
      this.reverse(race.first, race.sequence.map(name));
    }
  }

  /**
   * After the first execution (a split search's discovery run): one step aside at each of its
   * states, shallowest first (see `lookaheads`). None when its first branching step did not take
   * the lowest runnable task (a split's first subtree would not be the same part of the search).
   */
  private planLookaheads(): void {
    this.lookaheadRoot = this.path.findIndex((f) => f.runnable.length > 1);
    const root = this.path[this.lookaheadRoot];
    if (root === undefined || root.chosen !== root.runnable[0]) return;
    const first: FirstRun = { steps: this.path.map((f) => f.chosen), expect: this.path.map((f) => f.next.get(f.chosen)) };
    this.path.forEach((frame, at) => {
      for (const task of frame.runnable) {
        if (task !== frame.chosen && this.lookaheads.length < LOOKAHEADS) this.lookaheads.push({ first, at, task, op: frame.next.get(task) });
      }
    });
  }

  /** The sleep set on entering a state: what slept or was explored before, and commutes with the step taken. */
  private childSleep(parent: Frame, ctx: ChoiceContext): Map<TaskId, DporEvent> {
    const birthOf = (id: number) => ctx.birth(id);
    const taken: DporEvent = { task: parent.chosen, accesses: ctx.previousStep().map((op) => ({ kind: op.kind, object: nameOf(op.kind, op.object, birthOf) })) };
    parent.event = taken;
    const sleep = new Map<TaskId, DporEvent>();
    for (const source of [parent.sleep, parent.done]) {
      for (const [task, event] of source) if (task !== parent.chosen && !this.dependent(event, taken)) sleep.set(task, event);
    }
    return sleep;
  }

  /**
   * Plans the reversal of a race (its sequence with objects named by their births): the sequence
   * `notdep(i).j` goes into the wakeup tree of the state before event i, unless a task asleep
   * there (or explored from there) could start it.
   */
  private reverse(first: number, sequence: readonly DporEvent[]): void {
    if (first <= this.root) return; // the root's choices are all explored, one subtree each
    const frame = this.path[first]!;
    const v = [...sequence];
    // A sleeper whose wildcards alone keep it from being a weak initial may really be one: what
    // is inserted is then UNCERTAIN (see WakeupTree.insert).
    let uncertain = false;
    for (const source of [frame.sleep, frame.done]) {
      for (const [task, event] of source) {
        if (weakInitial(task, event, v, this.dependent)) return;
        const exact = withoutWildcards(event);
        uncertain ||= exact !== event && weakInitial(task, exact, v, this.dependent);
      }
    }
    // The sequence starts with one of its initials that can run here (a sleeper woken later, by
    // time passing, cannot: time is not an event). With none, every runnable task is a branch.
    const start = v.findIndex((e, k) => frame.runnable.includes(e.task) && v.slice(0, k).every((d) => !this.dependent(d, e)));
    if (start < 0) {
      for (const t of frame.runnable) {
        if (!frame.sleep.has(t) && !frame.done.has(t) && !frame.wakeup.has(t)) frame.wakeup.add(t);
      }
      return;
    }
    if (start > 0) v.unshift(...v.splice(start, 1));
    frame.wakeup.insert(v, this.dependent, (e) => rememberEvent(e, frame.known), uncertain);
  }

  /** Moves to the next planned branch at the deepest state that has one (below the split's root). */
  private backtrack(): boolean {
    while (this.path.length > this.root + 1) {
      const depth = this.path.length - 1;
      const frame = this.path[depth]!;
      const explored = frame.wakeup.shift();
      frame.done.set(frame.chosen, frame.event !== null ? rememberEvent(frame.event, frame.known) : explored);
      const next = frame.wakeup.firstTask;
      if (next !== undefined) {
        frame.chosen = next;
        frame.event = null;
        this.replayed = depth;
        this.plan = null; // set when the replay reaches this frame
        return true;
      }
      frame.wakeup.release();
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
  return opMismatch(frame.chosen, frame.next.get(frame.chosen), ctx);
}

/** Why `task`, recorded to do `was` at this step, now does something else, or null when it does the same. */
function opMismatch(task: TaskId, was: Access | undefined, ctx: ChoiceContext): string | null {
  const now = ctx.runnable.includes(task) ? ctx.pending(task) : null;
  if (was !== undefined && now !== null && now.kind === was.kind && now.object === was.object) return null;
  const recorded = was === undefined ? 'run' : `${was.kind}${was.object >= 0 ? ` #${was.object}` : ''}`;
  const found = now === null ? 'it is not runnable' : `it is about to ${now.kind}${now.object >= 0 ? ` #${now.object}` : ''}`;
  return `the same schedule prefix ran differently: at step ${ctx.step}, task ${task} was recorded to ${recorded}, now ${found}. ` +
    `State leaks between executions (a module-level object, cache or counter survives from one run to the next) or the ` +
    `code depends on something heddle does not control; build all state inside the scenario body.`;
}

/**
 * A look-ahead's choice: its planned steps (each checked against what the first execution
 * recorded there, as a replayed prefix is), then the running task while it can run, else the
 * lowest runnable one.
 */
function lookaheadChoice(probe: Lookahead, ctx: ChoiceContext): TaskId {
  const step = ctx.step;
  if (step <= probe.at) {
    const [planned, was] = step < probe.at ? [probe.first.steps[step]!, probe.first.expect[step]] : [probe.task, probe.op];
    const changed = opMismatch(planned, was, ctx);
    if (changed !== null) throw new ScheduleDivergence(changed);
    return planned;
  }
  return ctx.current !== null && ctx.runnable.includes(ctx.current) ? ctx.current : ctx.runnable[0]!;
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
