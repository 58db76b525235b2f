import type { Execution, ExecutionObserver } from '../execution.ts';
import { OPS, deriveFromOps, type ObjectType, type OpDescriptor } from '../ops.ts';
import type { AtomicityViolation, ExecutionFailure, ExecutionResult, OpKind, PendingOp, RaceAccess, TaskId } from '../types.ts';

// JavaScript has no memory-level data race: the code between two awaits runs alone, and every
// operation of a Shared cell is one atomic step. What goes wrong at an await is atomicity: a
// task reads a value, another task changes it while the first is suspended, and the first then
// writes a value computed from what it read — the other task's update is lost. That is what
// this detector reports; two accesses merely unordered by synchronisation are a warning (race.ts).
//
// What counts, precisely (per cell, per task):
// - a read by task T remembers T's read of the cell (its latest one replaces an earlier one);
// - a write by another task U marks every remembered read of the cell by a task other than U
//   that it finds unmarked as stale, naming that write (the first one after the read);
// - a plain write by T while T's remembered read is stale is a lost update: T read the cell,
//   U wrote it, then T wrote it with no read or write of its own in between;
// - any write by T (plain or rmw) forgets T's read: T's later writes are based on what T itself
//   wrote, or on a later read.
// An rmw (Shared.update, compareAndSet) is never the stale write: it reads and writes in one
// step, so what it writes is computed from the current value (a compareAndSet writes only if the
// value is unchanged). It is a write for other tasks' reads, though — a failed compareAndSet
// too, since the detector sees the operation, not its outcome: the report then errs towards
// naming a write that did not change the value.
// The order is the execution's order (the trace), not happens-before: taking locks around the
// read and around the write separately does not make the update atomic.
//
// Only Shared cells (type 'cell', atomic or not) are checked. Heddle cannot see whether a
// write's value depends on the read; for a Shared cell a get and then a set of the same cell
// across an await is the read-modify-write pattern. Plain memory of instrumented code (load and
// store of 'memory' locations, captured variables) is left out, measured on small programs:
// - false alarms: `if (o.closed) return; await x; o.closed = true` run by two calls is flagged
//   (each read the flag, the other set it, then each set it) although setting a constant twice
//   is harmless — this pattern cannot tell it from `const v = o.n; await x; o.n = v + 1`;
// - misses: an async function's code before its first await runs in its caller's step, so in
//   `const v = o.n; await x; o.n = v + 1` the read is the caller's and the write the callee's
//   strand's, two tasks: the lost update is not seen unless the read follows an await.
// Plain state's interleavings are still explored, and assertions on it still fail.

/** Object types whose lost updates are reported. */
const CHECKED: ReadonlySet<string> = new Set<ObjectType>(['cell']);

/** What an op kind does to a checked object: nothing, a read, a plain write, an rmw. */
const NONE = 0;
const READ = 1;
const WRITE = 2;
const RMW = 3;

function effectOf(d: OpDescriptor): number {
  if (d.wildcard) return NONE; // an `effect` stands for unseen state, not one location
  switch (d.role) {
    case 'read': return READ;
    case 'write': return WRITE;
    case 'rmw': return RMW;
    default: return NONE;
  }
}

const EFFECTS = deriveFromOps(effectOf);

interface RememberedRead {
  readonly task: TaskId;
  readonly access: RaceAccess;
  /** The first write by another task after the read, or null while the read is current. */
  staleBy: RaceAccess | null;
}

interface CellState {
  readonly checked: boolean;
  /** At most one per task: its latest read not yet followed by its own write. */
  readonly reads: RememberedRead[];
  reported: boolean;
}

/**
 * Reports lost updates on Shared cells (see above). Like a race, a violation does not end the
 * execution: it is recorded (once per cell) and the explorer decides what to report, so a later
 * execution may still show what the lost update breaks.
 */
export class AtomicityDetector implements ExecutionObserver {
  /** Indexed by object id. */
  private readonly cells: (CellState | undefined)[] = [];

  onSpawn(): void {}

  onStep(task: TaskId, op: PendingOp, _choice: boolean, ex: Execution): ExecutionFailure | null {
    const effect = EFFECTS.get(op.kind)!;
    if (effect === NONE || op.object < 0) return null;
    let cell = this.cells[op.object];
    if (cell === undefined) {
      const info = ex.object(op.object);
      cell = { checked: info !== undefined && CHECKED.has(info.type), reads: [], reported: false };
      while (this.cells.length < op.object) this.cells.push(undefined);
      this.cells[op.object] = cell;
    }
    if (!cell.checked) return null;
    const access: RaceAccess = { task, kind: op.kind, step: ex.lastStep };
    const reads = cell.reads;
    let mine = -1;
    for (let i = 0; i < reads.length; i++) if (reads[i]!.task === task) mine = i;
    if (effect === READ) {
      const read: RememberedRead = { task, access, staleBy: null };
      if (mine >= 0) reads[mine] = read;
      else reads.push(read);
      return null;
    }
    if (mine >= 0) {
      const own = reads[mine]!;
      if (effect === WRITE && own.staleBy !== null && !cell.reported) {
        cell.reported = true;
        ex.addAtomicityViolation({ object: op.object, read: own.access, foreign: own.staleBy, write: access });
      }
      reads.splice(mine, 1);
    }
    for (const r of reads) if (r.staleBy === null) r.staleBy = access;
    return null;
  }
}

/**
 * "lost update on cell 'counter': task 1 'inc-a' read it (step 4, at f.ts:8), task 2 'inc-b'
 * wrote it (step 7, at f.ts:9), then task 1 wrote it (step 9, at f.ts:9) from the stale read …"
 */
export function describeAtomicity(v: AtomicityViolation, r: Pick<ExecutionResult, 'trace' | 'tasks' | 'objects'>): string {
  const cell = r.objects[v.object]?.name ?? `#${v.object}`;
  const at = (a: RaceAccess) => {
    const where = r.trace[a.step]?.location;
    return `step ${a.step}${where ? `, at ${where}` : ''}`;
  };
  const who = (t: TaskId) => `task ${t} '${r.tasks[t]?.name ?? t}'`;
  const verb = (k: OpKind) => OPS[k].verb;
  return `lost update on cell '${cell}': ${who(v.read.task)} read it (${verb(v.read.kind)}, ${at(v.read)}), ` +
    `${who(v.foreign.task)} wrote it (${verb(v.foreign.kind)}, ${at(v.foreign)}), then task ${v.write.task} wrote it ` +
    `(${verb(v.write.kind)}, ${at(v.write)}) from the stale read — make the read and the write one step ` +
    `(update or compareAndSet), or hold one Mutex from the read to the write`;
}
