import { describeOp, namesTask, type OpDescriptor } from './ops.ts';
import type { ObjectId, OpKind, PendingOp, TaskId, TraceStep } from './types.ts';

// What each kind touches and how it orders against others is its OPS entry (ops.ts); this file
// turns those roles into DPOR's and POS's dependence.

/**
 * Whether two ops of different tasks conflict: they touch the same object and at least one
 * changes it. Ops on no object (start, yield, sleep, random) conflict with nothing, nor do
 * spawn and join, whose ordering comes from happens-before (spawn → child, child end → join).
 * Lock/unlock of one mutex, put/get of one queue, set/wait of one event all conflict, as a user
 * expects.
 */
export function conflicts(a: Pick<PendingOp, 'kind' | 'object'>, b: Pick<PendingOp, 'kind' | 'object'>): boolean {
  if (a.object < 0 || b.object < 0 || a.object !== b.object) return false;
  const x = describeOp(a.kind);
  const y = describeOp(b.kind);
  if (x.role === 'task' || y.role === 'task') return false;
  return !(x.role === 'read' && y.role === 'read');
}

/** One operation inside a DPOR event: what it did to which object. */
export interface Access {
  readonly kind: OpKind;
  /** An ObjectId, or from NAMED up an object's birth (see nameObjects); a TaskId for spawn and join. */
  readonly object: number;
  /**
   * Set on an event remembered from an earlier execution (a sleep set entry) whose object has no
   * birth and was first used after the state it was explored from: such objects get their ids in
   * the order of first use, so in another execution that object may carry any id ≥ this one.
   * Matching is then conservative: it may be any object without a birth and an id ≥ freshFrom.
   */
  readonly freshFrom?: number;
}

/**
 * Ids from here up name an object by its birth (ObjectInfo.birth) instead of its order of
 * registration. DPOR compares events of different executions from one state (sleep sets, wakeup
 * trees) in these names: an object made after that state, by the events compared, has the same
 * name in each of them, where its id follows the order of everything made before it.
 */
export const NAMED = 2 ** 32;
const MAKERS = 2 ** 20;
const PER_MAKER = 2 ** 21;
/** Names of plain objects' locations (MemoryLog) start here, past every birth. */
export const LOCATION_NAMES = NAMED + MAKERS * PER_MAKER;
/** Ids from here up are the flags of a split DPOR search's pivots (dpor-pivots.ts), past every location name. */
export const PIVOT_OBJECTS = 2 ** 52;

/**
 * The birth of the `n`th object (from 1) made by steps of task `maker`: which object that is
 * follows from that task's own steps, the same in every execution that shares them. Undefined
 * past what a name holds (the object is then treated as one registered at its first use).
 */
export function birthName(maker: TaskId, n: number): number | undefined {
  return n < PER_MAKER && maker >= 0 && maker < MAKERS ? NAMED + maker * PER_MAKER + n : undefined;
}

/** What an access of `kind` to `object` names: the object's birth when it has one, else `object` as it is. */
export function nameOf(kind: OpKind, object: number, birthOf: (id: ObjectId) => number | undefined): number {
  if (object < 0 || object >= NAMED || namesTask(kind)) return object;
  return birthOf(object) ?? object;
}

/** The event with each object that has a birth named by it (ids below NAMED stay as they are). */
export function nameObjects(event: DporEvent, birthOf: (id: ObjectId) => number | undefined): DporEvent {
  let accesses: Access[] | null = null;
  event.accesses.forEach((x, i) => {
    const name = nameOf(x.kind, x.object, birthOf);
    if (name === x.object) return;
    accesses ??= event.accesses.slice();
    accesses[i] = { kind: x.kind, object: name };
  });
  return accesses === null ? event : { task: event.task, accesses };
}

/** A transition as DPOR sees it: the op chosen at a scheduling point plus the in-place ops after it. */
export interface DporEvent {
  readonly task: TaskId;
  readonly accesses: readonly Access[];
}

// An access remembered with freshFrom can only be the same object as an access whose kind
// can touch an object of the same type; a kind whose types the table does not list may touch
// anything, as far as this check knows.
function mayShareType(a: OpKind, b: OpKind): boolean {
  const x = describeOp(a).target;
  const y = describeOp(b).target;
  return typeof x === 'string' || typeof y === 'string' || x.some((type) => y.includes(type));
}

/** Whether two accesses may touch one object (an access with freshFrom stands for any later-used one without a birth). */
function sameObject(a: Access, b: Access): boolean {
  if (a.freshFrom !== undefined) return (b.freshFrom !== undefined || (b.object >= a.freshFrom && b.object < NAMED)) && mayShareType(a.kind, b.kind);
  if (b.freshFrom !== undefined) return a.object >= b.freshFrom && a.object < NAMED && mayShareType(a.kind, b.kind);
  return a.object >= 0 && a.object === b.object;
}

/**
 * The event as a sleep set or a wakeup tree may keep it for later executions (its objects named
 * by nameObjects): accesses to objects without a birth first used at or after id `known` (not yet
 * used in the state it ran from) get `freshFrom`, because another execution from that state may
 * number them differently. Objects with a birth keep their names: whichever events of another
 * execution from that state make them, those name them alike.
 */
export function rememberEvent(event: DporEvent, known: number): DporEvent {
  if (!event.accesses.some((x) => unnamedFrom(x, known))) return event;
  const accesses: Access[] = [];
  for (const x of event.accesses) {
    if (!unnamedFrom(x, known)) accesses.push(x);
    else accesses.push({ kind: x.kind, object: known, freshFrom: known });
  }
  return { task: event.task, accesses };
}

/**
 * The event with its wildcards (accesses with freshFrom) touching no object: what it certainly
 * touches. `dependent` with it is a lower bound of `dependent` with the event itself, so where
 * the two differ, which one holds in the execution the event stands for is not known.
 */
export function withoutWildcards(event: DporEvent): DporEvent {
  if (!event.accesses.some((x) => x.freshFrom !== undefined)) return event;
  return { task: event.task, accesses: event.accesses.map((x) => (x.freshFrom === undefined ? x : { kind: x.kind, object: -1 })) };
}

/** An access to an object without a birth, first used at or after id `known`. */
function unnamedFrom(x: Access, known: number): boolean {
  return x.object >= known && x.object < NAMED && isObjectAccess(x);
}

/** An access whose `object` is an ObjectId (spawn and join name tasks; start, yield … nothing). */
export function isObjectAccess(x: Access): boolean {
  return x.object >= 0 && x.freshFrom === undefined && !namesTask(x.kind);
}

function accessConflict(a: Access, b: Access): boolean {
  const x = describeOp(a.kind);
  const y = describeOp(b.kind);
  if (x.role === 'time') return wakeUpConflict(a, b, y);
  if (y.role === 'time') return wakeUpConflict(b, a, x);
  // A release may enable an acquisition of its object (an unlock frees the lock, a release adds
  // the permit an acquire waits for): they keep their order. Two releases commute.
  if (x.role === 'release' || y.role === 'release') {
    const other = x.role === 'release' ? y : x;
    return other.role === 'acquire' && sameObject(a, b);
  }
  if (commutes(x) || commutes(y)) return false;
  if (!sameObject(a, b) && !(x.wildcard && sharesType(x, y)) && !(y.wildcard && sharesType(y, x))) return false;
  return !(x.role === 'read' && y.role === 'read');
}

/** Whether op `y` may touch an object of a type `wildcard` stands for. */
function sharesType(wildcard: OpDescriptor, y: OpDescriptor): boolean {
  const types = wildcard.target;
  return typeof types !== 'string' && (typeof y.target === 'string' ? y.target === 'any' : y.target.some((t) => types.includes(t)));
}

/** Touches no object or names a task: independent of every op (see OpRole). */
function commutes(d: OpDescriptor): boolean {
  return d.role === 'none' || d.role === 'task';
}

/**
 * Virtual time: a sleeper wakes only when no other task can run, so its place among ordinary
 * steps is fixed. What can change is its order against other wake-ups, against a response that
 * may arrive before or after it (flexible), and against clearing its own timer.
 */
function wakeUpConflict(sleep: Access, other: Access, d: OpDescriptor): boolean {
  if (d.role === 'time' || d.flexible) return true;
  return d.role !== 'none' && d.role !== 'task' && sameObject(other, sleep);
}

/**
 * Whether two events of different tasks must keep their order (DPOR's dependence): they touch
 * one object and one of them changes it; or one spawned or joins the other's task.
 */
export function dependent(a: DporEvent, b: DporEvent): boolean {
  if (a.task === b.task) return true;
  for (const x of a.accesses) {
    if (x.object === b.task && namesTask(x.kind)) return true;
    for (const y of b.accesses) {
      if (y.object === a.task && namesTask(y.kind)) return true;
      if (accessConflict(x, y)) return true;
    }
  }
  return false;
}

/** Groups a trace into DPOR events: each choice step with the in-place steps that follow it. */
export function toEvents(trace: readonly TraceStep[]): { task: TaskId; accesses: Access[] }[] {
  const events: { task: TaskId; accesses: Access[] }[] = [];
  for (const step of trace) {
    if (step.choice) events.push({ task: step.task, accesses: [{ kind: step.kind, object: step.object }] });
    else events[events.length - 1]?.accesses.push({ kind: step.kind, object: step.object });
  }
  return events;
}
