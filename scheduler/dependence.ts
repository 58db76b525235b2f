import type { OpKind, PendingOp, TaskId } from './types.ts';

// Ops whose `object` is a TaskId, not an ObjectId: their ordering comes from happens-before
// (spawn → child, child end → join), never from touching a shared object.
const TASK_OPS: ReadonlySet<OpKind> = new Set(['spawn', 'join']);
// Ops that only observe their object.
const READS: ReadonlySet<OpKind> = new Set(['read']);

/**
 * Whether two ops of different tasks conflict: they touch the same object and at least one
 * changes it. Ops on no object (start, yield, sleep, random) conflict with nothing. Lock/unlock
 * of one mutex, put/get of one queue, set/wait of one event all conflict, as a user expects.
 */
export function conflicts(a: Pick<PendingOp, 'kind' | 'object'>, b: Pick<PendingOp, 'kind' | 'object'>): boolean {
  if (a.object < 0 || b.object < 0 || a.object !== b.object) return false;
  if (TASK_OPS.has(a.kind) || TASK_OPS.has(b.kind)) return false;
  return !(READS.has(a.kind) && READS.has(b.kind));
}

/** One operation inside a DPOR event: what it did to which object. */
export interface Access {
  readonly kind: OpKind;
  readonly object: number;
  /**
   * Set on an event remembered from an earlier execution (a sleep set entry) whose object was
   * first used after the state it was explored from: object ids follow the order of first use,
   * so in another execution that object may carry any id ≥ this one. Matching is then
   * conservative: it may be any object with an id ≥ freshFrom.
   */
  readonly freshFrom?: number;
}

/** A transition as DPOR sees it: the op chosen at a scheduling point plus the in-place ops after it. */
export interface DporEvent {
  readonly task: TaskId;
  readonly accesses: readonly Access[];
}

// Releases only enable others; the order of two acquisitions of one lock is what matters, and
// program order puts each release after its acquisition, so releases commute with everything.
const RELEASES: ReadonlySet<OpKind> = new Set(['unlock', 'release']);
const NOWHERE: ReadonlySet<OpKind> = new Set(['start', 'yield', 'random', 'spawn', 'join']);

// The kinds of object each op can touch (by the primitives that record it). An access remembered
// with freshFrom can only be the same object as an access whose kind fits the same object type.
// Kinds not listed (sleep, call, response …) may touch anything, as far as this table knows.
const OBJECT_TYPES: Partial<Record<OpKind, readonly string[]>> = {
  read: ['cell', 'event', 'queue'], write: ['cell', 'timer'], rmw: ['cell'],
  lock: ['mutex'], unlock: ['mutex'], acquire: ['semaphore'], release: ['semaphore'],
  set: ['event'], clear: ['event'], wait: ['event'],
  put: ['queue'], get: ['queue'], 'task-done': ['queue'], 'join-queue': ['queue'],
};

function mayShareType(a: OpKind, b: OpKind): boolean {
  const x = OBJECT_TYPES[a];
  const y = OBJECT_TYPES[b];
  return x === undefined || y === undefined || x.some((type) => y.includes(type));
}

/** Whether two accesses may touch one object (an access with freshFrom stands for any later-used one). */
function sameObject(a: Access, b: Access): boolean {
  if (a.freshFrom !== undefined) return (b.freshFrom !== undefined || b.object >= a.freshFrom) && mayShareType(a.kind, b.kind);
  if (b.freshFrom !== undefined) return a.object >= b.freshFrom && mayShareType(a.kind, b.kind);
  return a.object >= 0 && a.object === b.object;
}

/**
 * The event as a sleep set may keep it for later executions: accesses to objects first used at
 * or after id `known` (not yet used in the state it ran from) get `freshFrom`, because another
 * execution from that state may number them differently.
 */
export function rememberEvent(event: DporEvent, known: number): DporEvent {
  if (!event.accesses.some((x) => isObjectAccess(x) && x.object >= known)) return event;
  return { task: event.task, accesses: event.accesses.map((x) => (isObjectAccess(x) && x.object >= known ? { kind: x.kind, object: known, freshFrom: known } : x)) };
}

/** An access whose `object` is an ObjectId (spawn and join name tasks; start, yield … nothing). */
export function isObjectAccess(x: Access): boolean {
  return x.object >= 0 && x.freshFrom === undefined && x.kind !== 'spawn' && x.kind !== 'join';
}

function accessConflict(a: Access, b: Access): boolean {
  // Virtual time: a sleeper wakes only when no other task can run, so its place among ordinary
  // steps is fixed. What can change is its order against other wake-ups, against a response that
  // may arrive before or after it (flexible), and against clearing its own timer.
  if (a.kind === 'sleep' || b.kind === 'sleep') {
    const [sleep, other] = a.kind === 'sleep' ? [a, b] : [b, a];
    if (other.kind === 'sleep' || other.kind === 'response') return true;
    return !NOWHERE.has(other.kind) && sameObject(other, sleep);
  }
  if (NOWHERE.has(a.kind) || NOWHERE.has(b.kind) || RELEASES.has(a.kind) || RELEASES.has(b.kind)) return false;
  if (!sameObject(a, b)) return false;
  return !(a.kind === 'read' && b.kind === 'read');
}

/**
 * Whether two events of different tasks must keep their order (DPOR's dependence): they touch
 * one object and one of them changes it; or one spawned or joins the other's task.
 */
export function dependent(a: DporEvent, b: DporEvent): boolean {
  if (a.task === b.task) return true;
  for (const x of a.accesses) {
    if ((x.kind === 'spawn' || x.kind === 'join') && x.object === b.task) return true;
    for (const y of b.accesses) {
      if ((y.kind === 'spawn' || y.kind === 'join') && y.object === a.task) return true;
      if (accessConflict(x, y)) return true;
    }
  }
  return false;
}
