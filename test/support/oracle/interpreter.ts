// The reference interpreter of plans (plan.ts): every interleaving, and the Mazurkiewicz class of
// each, from the effects written down below — not from heddle's dependence code. The test holds
// heddle's DPOR to it: each class explored exactly once, no execution cut short.
import { opText, spawnerOf, taskName, withFinalJoins, type OpKind, type Plan, type PlanOp } from './plan.ts';

/** How each op touches its object, for dependence: a read, a write, or neither. */
/**
 * 'provides': changes the object only in a way another op may wait for (a semaphore's release):
 * dependent with the ops that take what it provides (acquire), independent of everything else.
 */
export type Dependence = Readonly<Record<OpKind, 'read' | 'write' | 'none' | 'provides'>>;

/**
 * The interpreter's dependence: two ops of different tasks are dependent iff they touch one
 * object and at least one writes it. Every relation under which dependent ops include every pair
 * that may disable the other or not commute is sound; a coarser one explores fewer executions.
 * Where two such conventions are both sound, the oracle takes the one heddle's ops table states
 * (scheduler/ops.ts: a release commutes with everything; set, clear and wait conflict), so that
 * a DPOR optimal for heddle's relation matches its count — each such place says so below. Its
 * classes are still computed here, from these effects, not by heddle's code.
 *
 * Why each op is a read, a write or neither:
 * - read, assert: observe the cell; two of them commute. write, cas, rmw: change it (a cas that
 *   fails only reads, but which one it is depends on the order, so it counts as a write).
 * - lock, unlock: writes of the mutex. Whether unlock is dependent changes no class: a task only
 *   unlocks a mutex it holds, so if A locks before B then A's unlock comes before B's lock, and if
 *   B locks first then B's unlock comes before A's lock — the order of the locks fixes the order
 *   of every unlock against the other task's lock and unlock.
 * - acquire: a write (two acquires may disable each other: one permit, two takers).
 * - release: provides. Two releases commute. A release and an acquire of one semaphore are
 *   dependent: the release may enable the acquire (with no permit left, the acquire can only
 *   follow it). Where both can run they commute (Flanagan and Godefroid's condition would call
 *   them independent), but heddle's dependence counts enabling too, so that every sequence DPOR
 *   plans to reverse a race can run; it keeps the two orders apart, and so does this table
 *   (with two permits: acquire A, acquire B, release A vs acquire A, release A, acquire B are two
 *   classes with one outcome). The interpreter checks that the class key fixes every value read
 *   and whether the run deadlocks, so the choice is checked against the values.
 * - set, clear: writes of the flag (two sets, or two clears, would commute; heddle orders them).
 *   wait: a write too. It changes nothing, so two waits (and a wait and an is-set) would commute,
 *   but heddle orders a wait against every op on its event, as it does an acquire.
 * - is-set: a read of the flag (two of them commute; against set, clear and wait: dependent).
 * - put, get: writes of the queue (two puts order the items, two gets share them out, a put may
 *   enable a get).
 * - join: none. A join of t comes after t's last op in every execution: its order is fixed, so it
 *   never tells two executions apart.
 * - spawn: none. It touches no object; every op of the task it starts comes after it.
 */
export const DEPENDENCE: Dependence = {
  read: 'read', assert: 'read', write: 'write', cas: 'write', rmw: 'write',
  lock: 'write', unlock: 'write', acquire: 'write', release: 'provides',
  set: 'write', clear: 'write', wait: 'write', 'is-set': 'read',
  put: 'write', get: 'write', join: 'none', spawn: 'none',
};

/**
 * Ops that are not scheduling points in JavaScript (Mutex.unlock, Semaphore.release, Event.set
 * and clear, spawn return nothing to await): they run in the same atomic step as the op before
 * them, or in the task's first step. Semantics, not dependence: no order can come between them.
 */
const IN_PLACE: ReadonlySet<OpKind> = new Set(['unlock', 'release', 'set', 'clear', 'spawn']);

/** One op as it took effect: the task, the op's index in the task's list, the value it read (null: none). */
export interface OpEvent {
  readonly task: number;
  readonly index: number;
  readonly value: number | null;
}

/** A maximal execution: no task can take a step (all done, or the rest blocked: a deadlock). */
export interface Run {
  readonly events: readonly OpEvent[];
  readonly deadlocked: boolean;
  /** Tasks that stopped at a failed assertion. */
  readonly failed: readonly number[];
  /** The Mazurkiewicz class: each task's ops, and the order of every dependent pair. */
  readonly key: string;
  /** What the run observed: every value read, and how it ended (fixed by the key, checked). */
  readonly outcome: string;
  /** The run as text, in order: `t1:w(x0) t2:r(x0)=21 main:join(t1) … (deadlock)`. */
  readonly text: string;
}

/** Object state and each task's progress; small enough to copy at every step. */
class State {
  constructor(
    readonly cells: Map<string, number>,
    readonly holder: Map<string, number>,
    readonly permits: Map<string, number>,
    readonly flags: Map<string, boolean>,
    readonly queues: Map<string, number[]>,
    readonly pc: number[],
    readonly local: number[],
    readonly stopped: boolean[],
    /** Started: the main task's, and a task a spawn op starts once that op ran. */
    readonly started: boolean[],
  ) {}

  static initial(plan: Plan): State {
    const permits = new Map(Object.entries(plan.permits));
    const n = plan.tasks.length;
    return new State(new Map(), new Map(), permits, new Map(), new Map(), Array(n).fill(0), Array.from({ length: n }, (_, t) => t + 1),
      Array(n).fill(false), plan.tasks.map((_, t) => t === 0 || spawnerOf(plan, t) === 0));
  }

  copy(): State {
    return new State(new Map(this.cells), new Map(this.holder), new Map(this.permits), new Map(this.flags),
      new Map([...this.queues].map(([q, items]) => [q, [...items]])), [...this.pc], [...this.local], [...this.stopped], [...this.started]);
  }
}

function done(plan: Plan, s: State, t: number): boolean {
  return s.stopped[t]! || s.pc[t]! >= plan.tasks[t]!.length;
}

/** Whether the op can take effect now (lock free, permit there, flag set, item there, task ended). */
function enabled(plan: Plan, s: State, op: PlanOp): boolean {
  switch (op.kind) {
    case 'lock': return !s.holder.has(op.object);
    case 'acquire': return (s.permits.get(op.object) ?? 0) > 0;
    case 'wait': return s.flags.get(op.object) === true;
    case 'get': return (s.queues.get(op.object)?.length ?? 0) > 0;
    case 'join': return done(plan, s, Number(op.object.slice(1)));
    default: return true;
  }
}

/** Performs task t's next op (enabled), returning the value it read; may stop the task (a failed assertion). */
function perform(plan: Plan, s: State, t: number): OpEvent {
  const index = s.pc[t]!;
  const op = plan.tasks[t]![index]!;
  s.pc[t] = index + 1;
  const o = op.object;
  const local = s.local[t]!;
  const cell = s.cells.get(o) ?? 0;
  let value: number | null = null;
  switch (op.kind) {
    case 'read': value = cell; s.local[t] = local + cell + 1; break;
    case 'assert': value = cell; if (cell !== op.arg) s.stopped[t] = true; break;
    case 'write': s.cells.set(o, local * 10 + t); break;
    case 'cas': value = cell === op.arg ? 1 : 0; if (value === 1) s.cells.set(o, local * 10 + t); s.local[t] = local + value; break;
    case 'rmw': value = cell + local; s.cells.set(o, value); break;
    case 'lock': s.holder.set(o, t); break;
    case 'unlock': s.holder.delete(o); break;
    case 'acquire': s.permits.set(o, s.permits.get(o)! - 1); break;
    case 'release': s.permits.set(o, (s.permits.get(o) ?? 0) + 1); break;
    case 'set': s.flags.set(o, true); break;
    case 'clear': s.flags.set(o, false); break;
    case 'wait': break;
    case 'is-set': value = s.flags.get(o) === true ? 1 : 0; s.local[t] = local + 7 * value; break;
    case 'put': s.queues.set(o, [...(s.queues.get(o) ?? []), local * 10 + t]); break;
    case 'get': value = s.queues.get(o)!.shift()!; s.local[t] = local + value; break;
    case 'join': break;
    case 'spawn': s.started[Number(o.slice(1))] = true; break;
  }
  return { task: t, index, value };
}

/** One atomic step of task t: its next op, then every in-place op after it (until a failed assertion stops it). */
function step(plan: Plan, s: State, t: number, out: OpEvent[]): void {
  out.push(perform(plan, s, t));
  while (!done(plan, s, t) && IN_PLACE.has(plan.tasks[t]![s.pc[t]!]!.kind)) out.push(perform(plan, s, t));
}

function canStep(plan: Plan, s: State, t: number): boolean {
  return s.started[t]! && !done(plan, s, t) && enabled(plan, s, plan.tasks[t]![s.pc[t]!]!);
}

/** The class of a run: each task's op indices, and for every two dependent ops of different tasks, which came first. */
export function classKey(plan: Plan, events: readonly OpEvent[], dependence: Dependence = DEPENDENCE): string {
  const perTask = plan.tasks.map(() => [] as number[]);
  const pairs: string[] = [];
  for (let j = 0; j < events.length; j++) {
    const b = events[j]!;
    perTask[b.task]!.push(b.index);
    const y = plan.tasks[b.task]![b.index]!;
    if (dependence[y.kind] === 'none') continue;
    for (let i = 0; i < j; i++) {
      const a = events[i]!;
      const x = plan.tasks[a.task]![a.index]!;
      if (a.task === b.task || x.object !== y.object || dependence[x.kind] === 'none') continue;
      if (dependence[x.kind] === 'provides' || dependence[y.kind] === 'provides') {
        if (x.kind === 'acquire' || y.kind === 'acquire') pairs.push(`${a.task}.${a.index}<${b.task}.${b.index}`);
        continue;
      }
      if (dependence[x.kind] === 'write' || dependence[y.kind] === 'write') pairs.push(`${a.task}.${a.index}<${b.task}.${b.index}`);
    }
  }
  return `${perTask.map((ops, t) => `${t}:${ops.join(',')}`).join(' ')}#${pairs.sort().join(' ')}`;
}

function finish(plan: Plan, s: State, events: readonly OpEvent[], dependence: Dependence = DEPENDENCE): Run {
  const deadlocked = plan.tasks.some((_, t) => !done(plan, s, t));
  const failed = plan.tasks.flatMap((_, t) => (s.stopped[t] ? [t] : []));
  const values = plan.tasks.map((_, t) => `${taskName(t)}(${events.filter((e) => e.task === t).map((e) => `${e.index}=${e.value ?? '-'}`).join(',')})`);
  const ending = `${deadlocked ? ' deadlock' : ''}${failed.length > 0 ? ` failed:${failed.map(taskName).join(',')}` : ''}`;
  const text = events.map((e) => `${taskName(e.task)}:${opText(plan.tasks[e.task]![e.index]!)}${e.value === null ? '' : `=${e.value}`}`).join(' ');
  return { events, deadlocked, failed, key: classKey(plan, events, dependence), outcome: `${values.join(' ')}${ending}`, text: `${text}${ending ? ` (${ending.trim()})` : ''}` };
}

/** The state the plan starts from: main's first step (spawning the tasks, then its leading in-place ops) runs before any task. */
function start(plan: Plan, events: OpEvent[]): State {
  const s = State.initial(plan);
  while (!done(plan, s, 0) && IN_PLACE.has(plan.tasks[0]![s.pc[0]!]!.kind)) events.push(perform(plan, s, 0));
  return s;
}

/**
 * What is wrong with a split search's executions against the plan's classes, or null: `seen`
 * counts the executions of each class key the pieces (`over`: "3 slices", "5 parts") explored.
 * Every class must be explored, each once, and nothing else.
 */
export function splitProblem(classes: ReadonlyMap<string, Run>, seen: ReadonlyMap<string, number>, over: string): string | null {
  const missed = [...classes.values()].filter((r) => !seen.has(r.key));
  if (missed.length > 0) return `${missed.length} of ${classes.size} classes missed over ${over}, e.g. ${missed[0]!.text}`;
  const twice = [...seen.entries()].filter(([, n]) => n > 1);
  if (twice.length > 0) return `${twice.length} classes explored more than once over ${over}`;
  const stray = [...seen.keys()].filter((k) => !classes.has(k));
  return stray.length === 0 ? null : `${stray.length} explored executions are no class of the interpreter`;
}

export interface Enumeration {
  /** Maximal executions (interleavings of steps), all of them. */
  readonly interleavings: number;
  /** One run per Mazurkiewicz class, by class key. */
  readonly classes: ReadonlyMap<string, Run>;
}

/**
 * Every maximal interleaving of the plan's steps (the main task's final joins included), grouped
 * by class. Throws when two runs of one class observed different values or ended differently:
 * the dependence would then be wrong for these semantics (another `dependence` may be given, to
 * try a convention: one that is too coarse fails this check).
 */
export function enumerate(input: Plan, dependence: Dependence = DEPENDENCE, limit = 200_000): Enumeration {
  const plan = withFinalJoins(input);
  const classes = new Map<string, Run>();
  let interleavings = 0;
  const visit = (s: State, events: OpEvent[]): void => {
    let maximal = true;
    for (let t = 0; t < plan.tasks.length; t++) {
      if (!canStep(plan, s, t)) continue;
      maximal = false;
      const next = s.copy();
      const more = [...events];
      step(plan, next, t, more);
      visit(next, more);
    }
    if (!maximal) return;
    if (++interleavings > limit) throw new Error(`more than ${limit} interleavings`);
    const run = finish(plan, s, events, dependence);
    const same = classes.get(run.key);
    if (same === undefined) classes.set(run.key, run);
    else if (same.outcome !== run.outcome) {
      throw new Error(`[oracle bug] one class, two outcomes (${same.outcome} / ${run.outcome}): the interpreter's dependence is wrong`);
    }
  };
  const events: OpEvent[] = [];
  visit(start(plan, events), events);
  return { interleavings, classes };
}

/**
 * Checks that a logged sequence of ops (from heddle) is a maximal execution of the plan — each op
 * the task's next one, enabled, reading the value the interpreter computes, and nothing left to
 * run at the end unless it deadlocked — and returns it as a Run. Throws with the reason otherwise.
 */
export function replayLog(input: Plan, log: readonly OpEvent[], deadlockReported: boolean): Run {
  const plan = withFinalJoins(input);
  const events: OpEvent[] = [];
  const s = start(plan, events);
  for (const [n, e] of log.slice(0, events.length).entries()) {
    if (e.task !== events[n]!.task || e.index !== events[n]!.index || e.value !== events[n]!.value) {
      throw new Error(`log entry ${n} is ${show(e)}, the main task's first step is ${show(events[n]!)}`);
    }
  }
  for (const [n, e] of log.entries()) {
    if (n < events.length) continue;
    if (!s.started[e.task]! || done(plan, s, e.task) || s.pc[e.task] !== e.index) throw new Error(`log entry ${n} ${show(e)} is not task ${e.task}'s next op (${s.pc[e.task]})`);
    if (!enabled(plan, s, plan.tasks[e.task]![e.index]!)) throw new Error(`log entry ${n} ${show(e)} ran while disabled`);
    const mine = perform(plan, s, e.task);
    if (mine.value !== e.value) throw new Error(`log entry ${n} ${show(e)} read ${e.value}, the interpreter reads ${mine.value}`);
    events.push(mine);
  }
  const runnable = plan.tasks.flatMap((_, t) => (canStep(plan, s, t) ? [t] : []));
  if (runnable.length > 0) throw new Error(`the execution ended while task ${runnable.join(', ')} could still run`);
  const run = finish(plan, s, events);
  if (run.deadlocked !== deadlockReported) throw new Error(`heddle ${deadlockReported ? 'reported' : 'did not report'} a deadlock; the interpreter's run ${run.deadlocked ? 'is' : 'is not'} one`);
  return run;
}

function show(e: OpEvent): string {
  return `t${e.task}#${e.index}${e.value === null ? '' : `=${e.value}`}`;
}
