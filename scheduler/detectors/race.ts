import { VectorClock } from '../clock.ts';
import type { Execution, ExecutionObserver } from '../execution.ts';
import { OPS, RACE_CHECKED, deriveFromOps, type Channel, type OpDescriptor } from '../ops.ts';
import type { DataRace, ExecutionFailure, ExecutionResult, ObjectId, OpKind, PendingOp, RaceAccess, TaskId } from '../types.ts';

// The channels an object carries (ops.ts). 'object' and 'done' accumulate: a release joins its
// clock into the channel's, an acquire joins the channel's. 'items' and 'slots' are first in
// first out: a release queues its clock, an acquire takes the oldest one.
const OBJECT = 0;
const DONE = 1;
const ITEMS = 2;
const SLOTS = 3;
/** Channels per object in each of the two stores (accumulated clocks, queues of clocks). */
const PER_STORE = 2;
/** Not an object's clock: a join takes the joined task's own clock (its end). */
const TASK_END = -2;
const NO_CHANNEL = -1;

function channelIndex(channel: Channel | null): number {
  switch (channel) {
    case 'object': return OBJECT;
    case 'done': return DONE;
    case 'items': return ITEMS;
    case 'slots': return SLOTS;
    case 'task-end': return TASK_END;
    // A child's clock starts as a copy of its parent's at the spawn (onSpawn): nothing per step.
    case 'task-start': return NO_CHANNEL;
    case null: return NO_CHANNEL;
  }
}

/** What a step of one kind does to clocks. */
interface StepPlan {
  readonly acquire: number;
  readonly release: number;
  readonly reset: number;
  /** A plain read, write or rmw of an object that may be a race-checked cell. */
  readonly access: boolean;
  /** For an access: it changes the cell (a write or rmw, not a read). */
  readonly writes: boolean;
}

function plan(d: OpDescriptor): StepPlan {
  const data = d.role === 'read' || d.role === 'write' || d.role === 'rmw';
  const mayBeChecked = typeof d.target === 'string' ? d.target === 'any' : d.target.some((t) => RACE_CHECKED.has(t));
  return {
    acquire: channelIndex(d.acquires?.from ?? null), release: channelIndex(d.releases), reset: channelIndex(d.resets),
    access: data && mayBeChecked, writes: d.role !== 'read',
  };
}

// Precomputed from OPS: a step costs one lookup, not a walk through the descriptor.
const PLANS = deriveFromOps(plan);

/** A first-in-first-out channel: the clocks of releases not yet taken by an acquire. */
class ClockQueue {
  private readonly clocks: (VectorClock | undefined)[] = [];
  private head = 0;

  constructor(
    /** Acquires that take nothing before the first release is taken: a bounded queue's free places at the start. */
    private skip: number,
  ) {}

  push(clock: VectorClock): void {
    this.clocks.push(clock);
  }

  take(): VectorClock | undefined {
    if (this.skip > 0) {
      this.skip--;
      return undefined;
    }
    if (this.head >= this.clocks.length) return undefined;
    const clock = this.clocks[this.head];
    this.clocks[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.clocks.length) {
      this.clocks.splice(0, this.head);
      this.head = 0;
    }
    return clock;
  }
}

interface Epoch {
  readonly task: TaskId;
  /** The accessing task's own clock component at the access. */
  readonly time: number;
  readonly access: RaceAccess;
}

// How a read, write or rmw of an object is treated, decided at its first access in an execution.
/** A plain cell: checked for races. */
const CHECKED = 0;
/** An atomic cell: synchronises instead. */
const ATOMIC = 1;
/** Not a race-checked type (an event's or a queue's read, a timer, fs): nothing to do. */
const EXEMPT = 2;

/**
 * A cell's accesses since its last write, kept as FastTrack keeps them (Flanagan and Freund,
 * PLDI 2009): the last write as an epoch (task, time), and the reads as one epoch while each
 * read is ordered after the one before (the common case: reads under a lock, or by one task),
 * as the latest read per task only once two reads are concurrent. A later access then costs
 * O(1) instead of a comparison of vector clocks or a walk over every earlier reader.
 */
interface CellHistory {
  readonly mode: number;
  lastWrite: Epoch | null;
  /** The latest read, while every read since the last write is ordered before it; else null. */
  read: Epoch | null;
  /** Once two reads since the last write are concurrent: the latest read of each task; else null. */
  sharedReads: Map<TaskId, Epoch> | null;
  reported: boolean;
}

/**
 * Happens-before race detection over Shared cells with vector clocks. Synchronisation objects
 * carry clocks from a release to an acquire, as each kind's OPS entry says: unlock → lock,
 * release → acquire, set → wait or an isSet that sees the flag (until a clear), each put → the
 * get that takes its item, a get → the put that fills the place it freed in a bounded queue,
 * task-done → join-queue, spawn → child start, task end → join. Atomic cells are exempt and
 * synchronise like sequentially consistent atomics.
 *
 * A race does not end the execution: it is recorded (once per cell) and the explorer decides
 * what to report.
 */
export class RaceDetector implements ExecutionObserver {
  // Arrays indexed by small dense ids, not Maps: a detector lives for one execution, and two
  // Maps plus one per cell were a good part of what a short execution allocated.
  private readonly clocks: VectorClock[] = [new VectorClock()];
  /** Accumulated channels ('object', 'done'), indexed by object id × PER_STORE + channel. */
  private readonly syncClocks: (VectorClock | undefined)[] = [];
  /** First-in-first-out channels ('items', 'slots'), indexed by object id × PER_STORE + channel − ITEMS. */
  private readonly queues: (ClockQueue | undefined)[] = [];
  /** Indexed by object id: every object read or written so far. */
  private readonly cells: (CellHistory | undefined)[] = [];
  // The plan of the latest step's kind: consecutive steps are often of one kind (a loop of
  // yields or reads), and comparing two interned strings is cheaper than a Map probe.
  private lastKind: OpKind | null = null;
  private lastPlan: StepPlan = PLANS.get('yield')!;

  onSpawn(parent: TaskId, child: TaskId): void {
    fill(this.clocks, child, this.clock(parent).clone());
  }

  onStep(task: TaskId, op: PendingOp, _choice: boolean, ex: Execution): ExecutionFailure | null {
    const clock = this.clock(task).tick(task);
    if (op.kind !== this.lastKind) {
      this.lastKind = op.kind;
      this.lastPlan = PLANS.get(op.kind)!;
    }
    const plan = this.lastPlan;
    if (plan.acquire !== NO_CHANNEL) this.acquire(plan.acquire, op.object, clock, ex);
    if (plan.release !== NO_CHANNEL) this.release(plan.release, op.object, clock, ex);
    if (plan.reset !== NO_CHANNEL) this.reset(plan.reset, op.object);
    if (plan.access) this.access(task, op, plan.writes, clock, ex);
    return null;
  }

  private acquire(channel: number, object: ObjectId, clock: VectorClock, ex: Execution): void {
    if (channel === TASK_END) {
      clock.join(this.clock(object));
    } else if (channel < ITEMS) {
      const from = this.syncClocks[object * PER_STORE + channel];
      if (from !== undefined) clock.join(from);
    } else {
      const from = this.queue(channel, object, ex).take();
      if (from !== undefined) clock.join(from);
    }
  }

  private release(channel: number, object: ObjectId, clock: VectorClock, ex: Execution): void {
    if (channel < ITEMS) {
      this.sync(channel, object).join(clock);
    } else if (channel !== SLOTS || capacityOf(object, ex) > 0) {
      this.queue(channel, object, ex).push(clock.clone());
    }
  }

  /** Forgets the channel's releases so far (an accumulated channel: Event.clear). */
  private reset(channel: number, object: ObjectId): void {
    if (channel < ITEMS) this.syncClocks[object * PER_STORE + channel] = undefined;
  }

  private access(task: TaskId, op: PendingOp, writes: boolean, clock: VectorClock, ex: Execution): void {
    if (op.object < 0) return;
    let history = this.cells[op.object];
    if (history === undefined) {
      const info = ex.object(op.object);
      const mode = info === undefined || !RACE_CHECKED.has(info.type) ? EXEMPT : info.atomic ? ATOMIC : CHECKED;
      history = { mode, lastWrite: null, read: null, sharedReads: null, reported: false };
      fill(this.cells, op.object, history);
    }
    if (history.mode === EXEMPT) return;
    if (history.mode === ATOMIC) {
      // Sequentially consistent: every access acquires the cell's clock, a change releases to it.
      const cellClock = this.sync(OBJECT, op.object);
      clock.join(cellClock);
      if (writes) cellClock.join(clock);
      return;
    }
    const access: RaceAccess = { task, kind: op.kind, step: ex.lastStep };
    const me: Epoch = { task, time: clock.get(task), access };
    let other: Epoch | undefined;
    // Two rmws (update, compareAndSet) are each one atomic step: never a race with each other.
    if (history.lastWrite !== null && unordered(history.lastWrite, task, clock)
      && !(op.kind === 'rmw' && history.lastWrite.access.kind === 'rmw')) other = history.lastWrite;
    if (!writes) {
      const read = history.read;
      if (history.sharedReads !== null) history.sharedReads.set(task, me);
      else if (read === null || !unordered(read, task, clock)) history.read = me; // every earlier read is ordered before this one
      else history.sharedReads = new Map([[read.task, read], [task, me]]);
      if (history.sharedReads !== null) history.read = null;
    } else {
      if (other === undefined) {
        if (history.read !== null) {
          if (unordered(history.read, task, clock)) other = history.read;
        } else if (history.sharedReads !== null) {
          for (const r of history.sharedReads.values()) if (unordered(r, task, clock)) { other = r; break; }
        }
      }
      history.lastWrite = me;
      history.read = null;
      history.sharedReads = null;
    }
    if (other !== undefined && !history.reported) {
      history.reported = true;
      ex.addRace({ object: op.object, first: other.access, second: access });
    }
  }

  private clock(task: TaskId): VectorClock {
    let c = this.clocks[task];
    if (c === undefined) {
      c = new VectorClock();
      fill(this.clocks, task, c);
    }
    return c;
  }

  /** An accumulated channel's clock, made empty at first use. */
  private sync(channel: number, object: ObjectId): VectorClock {
    const key = object * PER_STORE + channel;
    let c = this.syncClocks[key];
    if (c === undefined) {
      c = new VectorClock();
      fill(this.syncClocks, key, c);
    }
    return c;
  }

  private queue(channel: number, object: ObjectId, ex: Execution): ClockQueue {
    const key = object * PER_STORE + channel - ITEMS;
    let q = this.queues[key];
    if (q === undefined) {
      q = new ClockQueue(channel === SLOTS ? capacityOf(object, ex) : 0);
      fill(this.queues, key, q);
    }
    return q;
  }
}

/** A bounded queue's maxsize; 0 for an unbounded queue (whose puts never wait for a get). */
function capacityOf(object: ObjectId, ex: Execution): number {
  return ex.object(object)?.capacity ?? 0;
}

/** "data race on cell 'hits': task 1 'a' get (step 5, at f.ts:8) and task 2 'b' set (step 7, at f.ts:9) …" */
export function describeRace(race: DataRace, r: Pick<ExecutionResult, 'trace' | 'tasks' | 'objects'>): string {
  return `data race on ${describeUnordered(race, r)} — use a Mutex around both, or Shared.atomic if the cell is meant to be atomic`;
}

/** The race as a warning (races: 'warn'): each access is atomic in JavaScript, only their order is open. */
export function describeRaceWarning(race: DataRace, r: Pick<ExecutionResult, 'trace' | 'tasks' | 'objects'>): string {
  return `unordered accesses to ${describeUnordered(race, r)} — either order is explored; ` +
    `a warning, not a failure, unless the scenario runs with races: 'strict'`;
}

function describeUnordered(race: DataRace, r: Pick<ExecutionResult, 'trace' | 'tasks' | 'objects'>): string {
  const cell = r.objects[race.object]?.name ?? `#${race.object}`;
  const side = (a: RaceAccess) => {
    const where = r.trace[a.step]?.location;
    return `task ${a.task} '${r.tasks[a.task]?.name ?? a.task}' ${OPS[a.kind].verb} (step ${a.step}${where ? `, at ${where}` : ''})`;
  };
  return `cell '${cell}': ${side(race.first)} and ${side(race.second)} are not ordered by any ` +
    `lock, queue, event, semaphore or join`;
}

/** Sets xs[i], growing xs with holes filled by undefined (a store far past the end makes an array sparse and slow). */
function fill<T>(xs: (T | undefined)[], i: number, value: T): void {
  while (xs.length < i) xs.push(undefined);
  xs[i] = value;
}

/** An earlier access by another task that `task` has not synchronised with (a plain function, not a closure per access). */
function unordered(e: Epoch, task: TaskId, clock: VectorClock): boolean {
  return e.task !== task && e.time > clock.get(e.task);
}
