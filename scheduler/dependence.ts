import type { OpKind, PendingOp } from './types.ts';

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
