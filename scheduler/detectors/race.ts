import { VectorClock } from '../clock.ts';
import type { Execution, ExecutionObserver } from '../execution.ts';
import { OPS, RACE_CHECKED, deriveFromOps, type Channel, type OpDescriptor } from '../ops.ts';
import type { DataRace, ExecutionFailure, ExecutionResult, ObjectId, OpKind, PendingOp, RaceAccess, TaskId } from '../types.ts';

// The clocks an object keeps, one per channel it carries (ops.ts): the object itself (lock,
// semaphore, event, promise, atomic cell), a queue's items, a queue's finished items.
const OBJECT = 0;
const ITEMS = 1;
const DONE = 2;
const CHANNELS = 3;
/** Not an object's clock: a join takes the joined task's own clock (its end). */
const TASK_END = -2;
const NO_CHANNEL = -1;

function channelIndex(channel: Channel | null): number {
  switch (channel) {
    case 'object': return OBJECT;
    case 'items': return ITEMS;
    case 'done': return DONE;
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
  /** A plain read, write or rmw of an object that may be a race-checked cell. */
  readonly access: boolean;
  /** For an access: it changes the cell (a write or rmw, not a read). */
  readonly writes: boolean;
}

function plan(d: OpDescriptor): StepPlan {
  const data = d.role === 'read' || d.role === 'write' || d.role === 'rmw';
  const mayBeChecked = typeof d.target === 'string' ? d.target === 'any' : d.target.some((t) => RACE_CHECKED.has(t));
  return {
    acquire: channelIndex(d.acquires?.from ?? null), release: channelIndex(d.releases),
    access: data && mayBeChecked, writes: d.role !== 'read',
  };
}

// Precomputed from OPS: a step costs one lookup, not a walk through the descriptor.
const PLANS = deriveFromOps(plan);

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

interface CellHistory {
  readonly mode: number;
  lastWrite: Epoch | null;
  /** Reads since the last write, at most one per task (FastTrack keeps the same). */
  readonly reads: Epoch[];
  reported: boolean;
}

/**
 * Happens-before race detection over Shared cells with vector clocks. Synchronisation objects
 * carry clocks from a release to the next acquire, as each kind's OPS entry says: unlock → lock,
 * release → acquire, set → wait, put → get, task-done → join-queue, spawn → child start,
 * task end → join. Atomic cells are exempt and synchronise like sequentially consistent atomics.
 *
 * A race does not end the execution: it is recorded (once per cell) and the explorer decides
 * what to report.
 */
export class RaceDetector implements ExecutionObserver {
  // Arrays indexed by small dense ids, not Maps: a detector lives for one execution, and two
  // Maps plus one per cell were a good part of what a short execution allocated.
  private readonly clocks: VectorClock[] = [new VectorClock()];
  /** Clocks of synchronisation channels, indexed by object id × CHANNELS + channel. */
  private readonly syncClocks: (VectorClock | undefined)[] = [];
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
    if (plan.acquire >= 0) clock.join(this.sync(plan.acquire, op.object));
    else if (plan.acquire === TASK_END) clock.join(this.clock(op.object));
    if (plan.release >= 0) this.sync(plan.release, op.object).join(clock);
    if (plan.access) this.access(task, op, plan.writes, clock, ex);
    return null;
  }

  private access(task: TaskId, op: PendingOp, writes: boolean, clock: VectorClock, ex: Execution): void {
    if (op.object < 0) return;
    let history = this.cells[op.object];
    if (history === undefined) {
      const info = ex.object(op.object);
      const mode = info === undefined || !RACE_CHECKED.has(info.type) ? EXEMPT : info.atomic ? ATOMIC : CHECKED;
      history = { mode, lastWrite: null, reads: [], reported: false };
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
    const reads = history.reads;
    if (!writes) {
      let i = 0;
      while (i < reads.length && reads[i]!.task !== task) i++;
      reads[i] = me; // replaces this task's earlier read, or appends
    } else {
      if (other === undefined) for (const r of reads) if (unordered(r, task, clock)) { other = r; break; }
      history.lastWrite = me;
      reads.length = 0;
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

  private sync(channel: number, object: ObjectId): VectorClock {
    const key = object * CHANNELS + channel;
    let c = this.syncClocks[key];
    if (c === undefined) {
      c = new VectorClock();
      fill(this.syncClocks, key, c);
    }
    return c;
  }
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
