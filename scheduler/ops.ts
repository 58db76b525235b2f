import type { OpKind } from './types.ts';

// One description per operation kind: what it touches, how it orders against other ops, what it
// synchronises, and how reports name it. Dependence (DPOR, POS), the race, livelock and deadlock
// detectors and the reports all read this table, so a new kind of scheduling point is one entry
// here — a `Record<OpKind, …>`, so a kind without one does not compile.

/** The object types primitives register (ObjectInfo.type). */
export type ObjectType =
  | 'cell' | 'mutex' | 'semaphore' | 'event' | 'queue' | 'timer' | 'call' | 'fs'
  | 'promise' // a promise of instrumented code (await, settle)
  | 'memory' // plain state of instrumented code: a location (load, store), or all of it (effect)
  | 'scope'; // the captured variables of one entry of a scope (var-read, var-write)

/**
 * What an op's `object` names:
 * - object types: an ObjectId of one of them (or -1 where the op may touch none);
 * - 'any': an ObjectId whose type the table does not narrow, so matching a remembered access
 *   against it is conservative (sleep, call, response — narrowing them to ['timer'] and
 *   ['call'] would be sound but can change what DPOR explores, so it is a change of its own);
 * - 'task': a TaskId (spawn, join): such ops order tasks, never touch an object;
 * - 'nothing': always -1.
 */
export type OpTarget = readonly ObjectType[] | 'any' | 'task' | 'nothing';

/**
 * How an op relates to what it touches; dependence derives from it (see dependence.ts):
 * - 'none': touches nothing; independent of every op.
 * - 'task': spawns or joins the task its object names; dependent only on that task's events.
 * - 'time': waits for virtual time (sleep): its place among ordinary steps is fixed (it wakes
 *   only when no other task can run), so it is ordered only against other wake-ups, flexible
 *   ops, and ops on its own timer.
 * - 'read': observes its object; two reads of one object commute.
 * - 'write', 'rmw': change (rmw: and observe) their object; plain ones on a cell are checked
 *   for data races.
 * - 'acquire': takes what another task provided (a lock, a permit, an item) and may block.
 * - 'update': changes a synchronisation or external object others observe or wait for.
 * - 'release': gives back what a task acquired, or provides it (unlock, semaphore release). It
 *   commutes with every op but an acquisition of its object, which it may enable.
 * read, write, rmw, acquire and update ops on one object conflict unless both are reads.
 */
export type OpRole = 'none' | 'task' | 'time' | 'read' | 'write' | 'rmw' | 'acquire' | 'update' | 'release';

/**
 * A happens-before channel: a releasing op leaves its task's clock there and an acquiring op
 * joins it into its own.
 * - 'object': the object itself (a mutex, a semaphore, an event, a promise): an acquire joins
 *   every release since the channel was last reset;
 * - 'items': a queue's items, first in first out: each put's clock travels with its item to
 *   the get that takes that item, and to no other get;
 * - 'slots': a bounded queue's places (ObjectInfo.capacity), first in first out: the get that
 *   frees a place orders before the put that fills it — with capacity c, get number k before put
 *   number k + c (the put could not have happened before it). An unbounded queue has none;
 * - 'done': a queue's finished items (task-done → join-queue);
 * - 'task-start': a task's start; a spawn releases to the task it names, a start acquires from
 *   its own task;
 * - 'task-end': a task's end; every step of a task releases to it implicitly, a join acquires
 *   from the task it names.
 * (Atomic cells synchronise too, but that depends on the object, not the kind: see race.ts.)
 */
export type Channel = 'object' | 'items' | 'slots' | 'done' | 'task-start' | 'task-end';

/** What reports call a happens-before edge into an acquiring op ("happens-before through lock"). */
export type EdgeKind = 'lock' | 'semaphore' | 'event' | 'queue' | 'spawn' | 'join' | 'promise';

/**
 * How a trace cell shows the op: the verb alone (`yield`), with the op's detail (`sleep 100 ms`),
 * with the task it names (`spawn worker`), with the object's name and the detail (`get hits → 3`),
 * the detail alone (an await shows its source: `await this.store.get(key)`), or not at all
 * (bookkeeping: memory accesses, a promise's settling — reports leave such rows out).
 */
export type LabelForm = 'verb' | 'verb detail' | 'verb task' | 'verb object detail' | 'detail' | 'hidden';

/** What an acquiring op synchronises with. */
export interface OpAcquire {
  readonly from: Channel;
  /** What reports call the happens-before edge into the op. */
  readonly edge: EdgeKind;
}

export interface OpBlocking {
  /** Deadlock reports: "task 1 'a' waits <waits> mutex 'm'". */
  readonly waits: string;
  /**
   * Whether another order of earlier steps may enable the op sooner (a lock freed earlier, an
   * item put earlier). Not for a join (the joined task must end first), a start (its spawn must
   * come first) or a sleep (it wakes only when nothing else can run): DPOR does not try to put
   * such an op first when reversing a race.
   */
  readonly reorderable: boolean;
}

export interface OpDescriptor {
  readonly target: OpTarget;
  readonly role: OpRole;
  /** The channel whose clock the op joins into its task's, if any. */
  readonly acquires: OpAcquire | null;
  /** The channel the op leaves its task's clock in, if any (after joining what it acquires). */
  readonly releases: Channel | null;
  /**
   * The channel the op empties, if any: later acquires synchronise only with releases after it
   * (Event.clear: a wait after clear-then-set is ordered after that set alone, not the ones
   * before the clear).
   */
  readonly resets: Channel | null;
  /**
   * Changes state another task may be waiting for. A loop made only of ops that are not
   * progress (reads, yields, lock round-trips, sleeps) is spinning: the livelock detector's test.
   */
  readonly progress: boolean;
  /** How the op can be disabled, or null when it is always enabled. */
  readonly blocks: OpBlocking | null;
  /**
   * May happen before or after any amount of virtual time (a controlled call's response), so
   * its order against every wake-up matters whatever the objects. (The op that is pending also
   * says so, PendingOp.flexible, for the engine.)
   */
  readonly flexible: boolean;
  /** The verb in reports: `get` for a read, `set` for a write, `update` for an rmw. */
  readonly verb: string;
  readonly label: LabelForm;
  /**
   * It stands for every object of its target types, whatever its own object (an `effect`: a step
   * that may have read and written any state heddle cannot see): it conflicts with every op
   * that touches one of them.
   */
  readonly wildcard: boolean;
}

// Defaults for the fields most kinds leave alone; each entry below spells out what it differs in.
const PLAIN = {
  acquires: null, releases: null, resets: null, progress: false, blocks: null, flexible: false, label: 'verb object detail', wildcard: false,
} as const;

const CELLS: readonly ObjectType[] = ['cell'];

export const OPS: Readonly<Record<OpKind, OpDescriptor>> = {
  start: { ...PLAIN, target: 'nothing', role: 'none', verb: 'start', label: 'verb',
    acquires: { from: 'task-start', edge: 'spawn' }, blocks: { waits: 'to start', reorderable: false } },
  yield: { ...PLAIN, target: 'nothing', role: 'none', verb: 'yield', label: 'verb' },
  random: { ...PLAIN, target: 'nothing', role: 'none', verb: 'random', label: 'verb detail' },

  // Queue.size reads its queue; fs reads are reads of the one fs object.
  read: { ...PLAIN, target: ['cell', 'event', 'queue', 'fs'], role: 'read', verb: 'get' },
  // A timer's clear is a write of the timer, so a sleep on it orders against it.
  write: { ...PLAIN, target: ['cell', 'timer', 'fs'], role: 'write', verb: 'set', progress: true },
  rmw: { ...PLAIN, target: CELLS, role: 'rmw', verb: 'update', progress: true },

  lock: { ...PLAIN, target: ['mutex'], role: 'acquire', verb: 'lock',
    acquires: { from: 'object', edge: 'lock' }, blocks: { waits: 'to lock', reorderable: true } },
  unlock: { ...PLAIN, target: ['mutex'], role: 'release', verb: 'unlock', releases: 'object' },
  acquire: { ...PLAIN, target: ['semaphore'], role: 'acquire', verb: 'acquire',
    acquires: { from: 'object', edge: 'semaphore' }, blocks: { waits: 'to acquire', reorderable: true } },
  release: { ...PLAIN, target: ['semaphore'], role: 'release', verb: 'release', releases: 'object' },

  // An event's channel holds the sets since the last clear, so it is empty exactly while the flag
  // is down: an isSet that returns false joins nothing, one that returns true joins the sets
  // that raised the flag, as a wait does.
  set: { ...PLAIN, target: ['event'], role: 'update', verb: 'set', releases: 'object', progress: true },
  clear: { ...PLAIN, target: ['event'], role: 'update', verb: 'clear', resets: 'object', progress: true },
  wait: { ...PLAIN, target: ['event'], role: 'acquire', verb: 'wait',
    acquires: { from: 'object', edge: 'event' }, blocks: { waits: 'on', reorderable: true } },
  'is-set': { ...PLAIN, target: ['event'], role: 'read', verb: 'is-set', acquires: { from: 'object', edge: 'event' } },

  // A put takes a place of a bounded queue (from the get that freed it) and hands its clock to
  // its item; a get takes the item's clock and frees a place.
  put: { ...PLAIN, target: ['queue'], role: 'update', verb: 'put', releases: 'items', progress: true,
    acquires: { from: 'slots', edge: 'queue' }, blocks: { waits: 'to put on', reorderable: true } },
  get: { ...PLAIN, target: ['queue'], role: 'acquire', verb: 'get', progress: true, releases: 'slots',
    acquires: { from: 'items', edge: 'queue' }, blocks: { waits: 'to get from', reorderable: true } },
  'task-done': { ...PLAIN, target: ['queue'], role: 'update', verb: 'task-done', releases: 'done', progress: true },
  'join-queue': { ...PLAIN, target: ['queue'], role: 'acquire', verb: 'join',
    acquires: { from: 'done', edge: 'queue' }, blocks: { waits: 'to join', reorderable: true } },

  spawn: { ...PLAIN, target: 'task', role: 'task', verb: 'spawn', label: 'verb task', releases: 'task-start', progress: true },
  join: { ...PLAIN, target: 'task', role: 'task', verb: 'join', label: 'verb task', progress: true,
    acquires: { from: 'task-end', edge: 'join' }, blocks: { waits: 'to join', reorderable: false } },

  sleep: { ...PLAIN, target: 'any', role: 'time', verb: 'sleep', label: 'verb detail',
    blocks: { waits: 'in sleep', reorderable: false } },
  call: { ...PLAIN, target: 'any', role: 'update', verb: 'call' },
  response: { ...PLAIN, target: 'any', role: 'update', verb: 'response', flexible: true },

  // Instrumented code. Awaiting observes the promise: two awaits of one promise commute, each
  // is ordered against its settling, and resumes after it.
  await: { ...PLAIN, target: ['promise'], role: 'read', verb: 'await', label: 'detail',
    acquires: { from: 'object', edge: 'promise' }, blocks: { waits: 'on', reorderable: true } },
  // Resuming after Promise.all (and friends) also acquires from each input that decided it
  // besides the last: in place, not shown (the await is).
  'await-input': { ...PLAIN, target: ['promise'], role: 'read', verb: 'await', label: 'hidden',
    acquires: { from: 'object', edge: 'promise' }, blocks: { waits: 'on', reorderable: true } },
  // Settling changes the promise: of two settlings the first wins, so they conflict.
  settle: { ...PLAIN, target: ['promise'], role: 'update', verb: 'settle', releases: 'object', progress: true, label: 'hidden' },
  // Promise.race, Promise.any and Promise.all look at which inputs have settled (those settled
  // already decide in the inputs' order, the others by who settles first): a read of each input.
  // An input's settling also settles the combined promise (first wins) when it may decide it.
  observe: { ...PLAIN, target: ['promise'], role: 'read', verb: 'observe', label: 'hidden' },
  // A step of instrumented code that may read and write any state heddle cannot see: an rmw of
  // all memory (wildcard), so it is ordered against every other effect, load and store, and
  // progress, so a loop of them is never called spinning.
  effect: { ...PLAIN, target: ['memory'], role: 'rmw', verb: 'effect', progress: true, wildcard: true, label: 'hidden' },
  // What a step of instrumented code read and wrote (memory.ts): one location each.
  load: { ...PLAIN, target: ['memory'], role: 'read', verb: 'read', label: 'hidden' },
  store: { ...PLAIN, target: ['memory'], role: 'write', verb: 'write', progress: true, label: 'hidden' },
  // Captured variables (memory.ts): a scope's are one object, made where the scope is entered.
  'var-read': { ...PLAIN, target: ['scope'], role: 'read', verb: 'read', label: 'hidden' },
  'var-write': { ...PLAIN, target: ['scope'], role: 'write', verb: 'write', progress: true, label: 'hidden' },
};

/**
 * Object types whose plain (non-atomic) reads and writes are checked for data races. Not
 * 'memory': instrumented code's plain state is touched by one step at a time on the event loop,
 * so two unordered accesses are interleavings to explore, not a misuse to report (a Shared cell
 * reports one because it stands for state the user means to guard).
 */
export const RACE_CHECKED: ReadonlySet<string> = new Set<ObjectType>(['cell']);

/**
 * A per-kind table derived from OPS once, for the paths that run per step or per pair of steps.
 * A Map, not an object indexed by kind: a keyed load whose name changes from one call to the
 * next is megamorphic and goes through V8's one shared cache, which the rest of the process
 * competes for; a Map probe costs the same whatever else runs (DPOR measured the difference).
 */
export function deriveFromOps<T>(f: (d: OpDescriptor) => T): ReadonlyMap<OpKind, T> {
  return new Map((Object.keys(OPS) as OpKind[]).map((kind) => [kind, f(OPS[kind])]));
}

const DESCRIPTORS = deriveFromOps((d) => d);

/** OPS[kind], for hot paths (see deriveFromOps). */
export function describeOp(kind: OpKind): OpDescriptor {
  return DESCRIPTORS.get(kind)!;
}

/** Whether an op's `object` is a TaskId rather than an ObjectId. */
export function namesTask(kind: OpKind): boolean {
  return describeOp(kind).target === 'task';
}
