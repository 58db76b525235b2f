import { VectorClock } from '../clock.ts';
import type { Execution, ExecutionObserver } from '../execution.ts';
import type { DataRace, ExecutionFailure, ExecutionResult, ObjectId, PendingOp, RaceAccess, TaskId } from '../types.ts';

// An object's synchronisation channels: the object itself (lock, semaphore, event, atomic
// cell), a queue's items (put → get), a queue's finished tasks (task-done → join-queue).
const OBJECT = 0;
const QUEUE = 1;
const DONE = 2;
const CHANNELS = 3;

interface Epoch {
  readonly task: TaskId;
  /** The accessing task's own clock component at the access. */
  readonly time: number;
  readonly access: RaceAccess;
}

interface CellHistory {
  lastWrite: Epoch | null;
  /** Reads since the last write, at most one per task (FastTrack keeps the same). */
  readonly reads: Epoch[];
  reported: boolean;
}

/**
 * Happens-before race detection over Shared cells with vector clocks. Synchronisation objects
 * carry clocks from a release to the next acquire: unlock → lock, release → acquire,
 * set → wait, put → get, task-done → join-queue, spawn → child start, task end → join.
 * Atomic cells are exempt and synchronise like sequentially consistent atomics.
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
  /** Indexed by object id. */
  private readonly cells: (CellHistory | undefined)[] = [];

  onSpawn(parent: TaskId, child: TaskId): void {
    fill(this.clocks, child, this.clock(parent).clone());
  }

  onStep(task: TaskId, op: PendingOp, _choice: boolean, ex: Execution): ExecutionFailure | null {
    const clock = this.clock(task).tick(task);
    const obj = op.object;
    switch (op.kind) {
      case 'lock':
      case 'acquire':
      case 'wait':
      case 'get':
        clock.join(this.sync(op.kind === 'get' ? QUEUE : OBJECT, obj));
        break;
      case 'unlock':
      case 'release':
      case 'set':
      case 'put':
        this.sync(op.kind === 'put' ? QUEUE : OBJECT, obj).join(clock);
        break;
      case 'task-done':
        this.sync(DONE, obj).join(clock);
        break;
      case 'join-queue':
        clock.join(this.sync(DONE, obj));
        break;
      case 'join':
        clock.join(this.clock(obj));
        break;
      case 'read':
      case 'write':
      case 'rmw':
        this.access(task, op, clock, ex);
        break;
      default:
        break;
    }
    return null;
  }

  private access(task: TaskId, op: PendingOp, clock: VectorClock, ex: Execution): void {
    const info = ex.object(op.object);
    if (info === undefined || info.type !== 'cell') return;
    if (info.atomic) {
      const cellClock = this.sync(OBJECT, op.object);
      clock.join(cellClock);
      if (op.kind !== 'read') cellClock.join(clock);
      return;
    }
    let history = this.cells[op.object];
    if (history === undefined) {
      history = { lastWrite: null, reads: [], reported: false };
      fill(this.cells, op.object, history);
    }
    const access: RaceAccess = { task, kind: op.kind, step: ex.lastStep };
    const me: Epoch = { task, time: clock.get(task), access };
    let other: Epoch | undefined;
    if (history.lastWrite !== null && unordered(history.lastWrite, task, clock)) other = history.lastWrite;
    const reads = history.reads;
    if (op.kind === 'read') {
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

const VERB: Record<string, string> = { read: 'get', write: 'set', rmw: 'update' };

/** "data race on cell 'hits': task 1 'a' get (step 5, at f.ts:8) and task 2 'b' set (step 7, at f.ts:9) …" */
export function describeRace(race: DataRace, r: Pick<ExecutionResult, 'trace' | 'tasks' | 'objects'>): string {
  const cell = r.objects[race.object]?.name ?? `#${race.object}`;
  const side = (a: RaceAccess) => {
    const where = r.trace[a.step]?.location;
    return `task ${a.task} '${r.tasks[a.task]?.name ?? a.task}' ${VERB[a.kind] ?? a.kind} (step ${a.step}${where ? `, at ${where}` : ''})`;
  };
  return `data race on cell '${cell}': ${side(race.first)} and ${side(race.second)} are not ordered by any ` +
    `lock, queue, event, semaphore or join — use a Mutex around both, or Shared.atomic if the cell is meant to be atomic`;
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
