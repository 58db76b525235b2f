import { dependent, nameObjects, nameOf, rememberEvent, toEvents, withoutWildcards, type Access, type DporEvent } from '../dependence.ts';
import { FixedDraws } from '../draws.ts';
import { PruneExecution, ScheduleDivergence, type ChoiceContext, type SearchStrategy } from '../strategy.ts';
import { findRaces } from './dpor-races.ts';
import { PivotGate, type Pivot } from './dpor-pivots.ts';
import { dporCoverage, lookaheadChoice, lookaheadsOf, replayMismatch, type Lookahead } from './dpor-replay.ts';
import { WakeupForest, weakInitial, type Dependence, type WakeupTree } from './wakeup.ts';
import { StableTasks } from './dpor-tasks.ts';
import { donate, Precedence, RaceIds } from './dpor-donate.ts';
import { stepsOf, type TaskStep } from './dpor-pivots.ts';
import type { Frame } from './dpor-frame.ts';
import type { ExecutionResult, TaskId } from '../types.ts';

// Thrown often (every sleep-set-blocked execution): made once, not with a fresh stack each time.
const ASLEEP = new PruneExecution('every runnable task is asleep: this trace was explored');
const HELD = new PruneExecution('the pivots of this part hold back every runnable task');
/** Look-ahead executions after the first one at most (see DporStrategy.lookaheads). */
const LOOKAHEADS = 1000;

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
  /** Every backtrack point of this search (or part) has been explored. */
  private finished = false;
  private readonly draws: FixedDraws;
  /** A proof: every trace explored, and the scenario drew no value (draws are not enumerated). */
  get complete(): boolean {
    return this.finished && !this.draws.used && this.renamed === null;
  }
  /** The search's task ids: the same for a task in every execution, whatever order tasks are made in (see StableTasks). */
  private readonly tasks = new StableTasks();
  /** Why the search is no proof because some task has no name alike in every execution, once an execution showed it. */
  get renamed(): string | null {
    return this.tasks.unnamed;
  }
  private executions = 0;
  /** A part of a split search (dpor-split.ts): its pivots, or null for the whole search. */
  private gate: PivotGate | null;
  private pivots: readonly Pivot[];
  /** A part that may hand part of its work to another thread (donate): what that needs (the last execution's events on the path), else null. */
  private readonly donor: { readonly history: Precedence; readonly races: RaceIds; last: { events: DporEvent[]; objects: ExecutionResult['objects'] } | null } | null;
  /** What live tasks were about to do when the pivots held every runnable one back. */
  private held: DporEvent[] = [];

  private readonly dependent: Dependence;

  /** Shallow bugs first: look-aheads after the first execution (see lookaheadsOf), at most LOOKAHEADS. */
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
   * search is then a DFS with sleep sets, sound but without reduction. `part`: the search is a
   * part of a split one (dpor-split.ts), cut by `pivots`; `donor`: it may hand part of itself to
   * another thread (donate).
   */
  constructor(private readonly conservative = false, seed = '1', private readonly part: { readonly pivots: readonly Pivot[]; readonly donor?: boolean } | null = null) {
    this.draws = new FixedDraws(seed);
    this.pivots = part?.pivots ?? [];
    this.gate = null;
    if (this.pivots.length > 0) this.setGate(this.pivots);
    this.donor = part?.donor === true ? { history: new Precedence(), races: new RaceIds(), last: null } : null;
    this.dependent = conservative ? (a, b) => a.task !== b.task || dependent(a, b) : dependent;
  }

  private setGate(pivots: readonly Pivot[]): void {
    const gate = new PivotGate(pivots);
    this.tasks.onNamed = (name, id) => gate.bind(name, id);
    this.gate = gate;
  }

  /**
   * Between two executions of a donor part: makes the search the part in which some pair of
   * steps (a, b) runs in the order it has run so far, and returns the pair; the traces in which b
   * runs first are then another part's, for another thread (see dpor-donate.ts). Not a pair of
   * `avoid` (pairs that did not hold before). Null when no pair qualifies now.
   */
  donate(avoid: readonly Pivot[] = []): [TaskStep, TaskStep] | null {
    const last = this.donor?.last;
    if (last == null || this.path.length === 0 || this.finished) return null;
    const pair = donate({ path: this.path, ...last, history: this.donor!.history, races: this.donor!.races, dependent: this.dependent,
      conservative: this.conservative, nameOf: (t) => this.tasks.nameOf(t), pivots: [...this.pivots, ...avoid] });
    if (pair === null) return null;
    this.pivots = [...this.pivots, { first: pair[0], second: pair[1], firstMustOccur: false }];
    this.setGate(this.pivots);
    return pair;
  }

  /** Why this part's pivots do not split the scenario exactly, once an execution showed it (see PivotGate). */
  get violation(): string | null {
    return this.gate?.violation ?? null;
  }

  /** A finished execution's events in the search's task ids (what a split search chooses its pivots from). */
  events(result: ExecutionResult): { task: TaskId; accesses: Access[] }[] {
    return toEvents(this.tasks.trace(result.trace));
  }

  /** The name of a task id of the search, the same in every search of the program (see StableTasks). */
  taskName(task: TaskId): string | undefined {
    return this.tasks.nameOf(task);
  }

  /** The index of the pivot that did not hold (see violation), or -1. */
  get violatedPivot(): number {
    return this.gate?.violated ?? -1;
  }

  /** Whether a finished execution belongs to another part of the split (see Pivot.firstMustOccur). */
  outsidePart(): boolean {
    return this.gate?.outside() ?? false;
  }

  /** What the draws add to a claim ('' when the scenario drew nothing). */
  get drawCaveat(): string {
    return this.draws.used ? this.draws.caveat() : '';
  }

  /** Nodes the wakeup trees hold now (what their memory is proportional to). */
  get wakeupNodes(): number {
    return this.forest.size;
  }

  get executionIndex(): number {
    return this.probe !== null ? this.executions + 0.5 : this.executions; // a look-ahead: just after the execution it follows
  }

  newExecution(): boolean {
    this.draws.reset();
    this.gate?.reset();
    this.tasks.reset();
    this.held = [];
    if (!this.started) {
      this.started = true;
      return true;
    }
    // After each execution in the first subtree, a look-ahead while any is left (see `lookaheads`).
    const first = this.lookaheadRoot >= 0 && this.path[this.lookaheadRoot]?.done.size === 0;
    const next = this.probe === null && first ? this.lookaheads.shift() : undefined;
    this.probe = null;
    if (next !== undefined) {
      this.probe = next;
      return true;
    }
    if (this.backtrack()) {
      this.executions++;
      return true;
    }
    this.finished = true;
    return false;
  }

  nextTask(engine: ChoiceContext): TaskId {
    const ctx = this.tasks.view(engine);
    if (this.gate === null) return this.tasks.engine(this.choose(ctx));
    this.gate.enter();
    const task = this.choose(ctx);
    this.gate.chose(task);
    return this.tasks.engine(task);
  }

  private choose(ctx: ChoiceContext): TaskId {
    const step = ctx.step;
    if (this.probe !== null) return this.draws.chose(lookaheadChoice(this.probe, ctx));
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
    const runnable = this.runnable(ctx);
    let wakeup: WakeupTree;
    const first = plan?.firstTask;
    if (plan !== null && first !== undefined && runnable.includes(first) && !sleep.has(first)) {
      wakeup = plan;
    } else {
      const awake = runnable.filter((t) => !sleep.has(t));
      if (awake.length === 0) throw ASLEEP;
      // A plan that cannot be followed here (heddle's model of when an op can run missed a case):
      // every runnable task becomes a branch, as a search without wakeup trees would do.
      const free = plan === null || first === undefined; // no plan: one branch for now, races add more
      wakeup = this.forest.tree(free ? [ctx.current !== null && awake.includes(ctx.current) ? ctx.current : awake[0]!] : awake);
    }
    const chosen = wakeup.firstTask!;
    this.plan = wakeup.plan();
    // Every frame has the same fields (one shape: the hot code that reads frames stays monomorphic).
    const unpivoted = runnable === ctx.runnable ? null : [...ctx.runnable];
    this.path.push({ runnable: [...runnable], unpivoted, next, sleep, wakeup, done: new Map(), chosen, event: null, known });
    return this.draws.chose(chosen);
  }

  /** The runnable tasks no pivot holds back; with none left, the execution ends (it is not the part's). */
  private runnable(ctx: ChoiceContext): readonly TaskId[] {
    const gate = this.gate;
    if (gate === null || !gate.holding || !ctx.runnable.some((t) => gate.refused(t))) return ctx.runnable;
    const runnable = ctx.runnable.filter((t) => !gate.refused(t));
    if (runnable.length > 0) return runnable;
    this.held = gate.waiting(ctx);
    throw HELD;
  }

  nextRandom(): number {
    return this.draws.next();
  }

  coverage(traces: number): string {
    return dporCoverage(traces, '', this.finished, this.drawCaveat, this.renamed);
  }

  endExecution(result: ExecutionResult): void {
    if (this.probe !== null) return; // a look-ahead: the search learns nothing from it
    if (!this.planned) {
      this.planned = true;
      if (this.part === null) ({ root: this.lookaheadRoot, lookaheads: this.lookaheads } = lookaheadsOf(this.path, LOOKAHEADS));
    }
    const events = this.events(result);
    this.donor?.history.record(events, this.dependent, this.replayed);
    this.gate?.annotate(events, !result.pruned, this.dependent);
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
    const runnableAt = (step: number, task: TaskId) => (this.path[step]!.unpivoted ?? this.path[step]!.runnable).includes(task);
    const waiting = result.pruned ? this.held
      : (result.blockedOps ?? []).map((op) => ({ task: this.tasks.stable(op.task), accesses: [this.tasks.op({ kind: op.kind, object: op.object })] }));
    const evs = events.slice(0, n);
    const steps = this.donor === null ? null : stepsOf(evs);
    for (const race of findRaces(evs, this.replayed, this.dependent, this.conservative, result.objects, runnableAt, waiting)) {
      // A donor keeps which race made each node of its trees (dpor-donate.ts).
      const id = steps === null ? 0 : this.donor!.races.of(evs, steps, race.first, race.second, race.sequence[race.sequence.length - 1]!.task);
      this.reverse(race.first, race.sequence.map(name), id);
    }
    if (this.donor !== null) this.donor.last = { events: evs, objects: result.objects };
  }

  /** The sleep set on entering a state: what slept or was explored before, and commutes with the step taken. */
  private childSleep(parent: Frame, ctx: ChoiceContext): Map<TaskId, DporEvent> {
    const birthOf = (id: number) => ctx.birth(id);
    const accesses = ctx.previousStep().map((op): Access => ({ kind: op.kind, object: nameOf(op.kind, op.object, birthOf) }));
    const taken: DporEvent = { task: parent.chosen, accesses: this.gate === null ? accesses : [...accesses, ...this.gate.lastAccesses(parent.chosen)] };
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
  private reverse(first: number, sequence: readonly DporEvent[], race: number): void {
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
    frame.wakeup.insert(v, this.dependent, (e) => rememberEvent(e, frame.known), uncertain, race);
  }

  /**
   * The next branch of a state, once its task can run there. A branch planned through this state
   * by a sequence found in another execution may start with a task that does not exist or cannot
   * run here (heddle's model of when an op can run missed a case: a promise reaction made by a
   * step the sequence moved): it is dropped, and every runnable task not explored or asleep here
   * becomes a branch instead, as a search without wakeup trees would do (followed, it would be
   * reported as a schedule that ran differently: nondeterminism that is not there).
   */
  private runnableBranch(frame: Frame): TaskId | undefined {
    let next = frame.wakeup.firstTask;
    while (next !== undefined && !frame.runnable.includes(next)) {
      frame.wakeup.shift();
      for (const t of frame.runnable) {
        if (!frame.sleep.has(t) && !frame.done.has(t) && !frame.wakeup.has(t)) frame.wakeup.add(t);
      }
      next = frame.wakeup.firstTask;
    }
    return next;
  }

  /** Moves to the next planned branch at the deepest state that has one. */
  private backtrack(): boolean {
    while (this.path.length > 0) {
      const depth = this.path.length - 1;
      const frame = this.path[depth]!;
      const explored = frame.wakeup.shift();
      frame.done.set(frame.chosen, frame.event !== null ? rememberEvent(frame.event, frame.known) : explored);
      const next = this.runnableBranch(frame);
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
