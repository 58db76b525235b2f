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

function accessConflict(a: Access, b: Access): boolean {
  // Virtual time: a sleeper wakes only when no other task can run, so its place among ordinary
  // steps is fixed. What can change is its order against other wake-ups, against a response that
  // may arrive before or after it (flexible), and against clearing its own timer.
  if (a.kind === 'sleep' || b.kind === 'sleep') {
    const [sleep, other] = a.kind === 'sleep' ? [a, b] : [b, a];
    if (other.kind === 'sleep' || other.kind === 'response') return true;
    return !NOWHERE.has(other.kind) && other.object >= 0 && other.object === sleep.object;
  }
  if (NOWHERE.has(a.kind) || NOWHERE.has(b.kind) || RELEASES.has(a.kind) || RELEASES.has(b.kind)) return false;
  if (a.object < 0 || a.object !== b.object) return false;
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
