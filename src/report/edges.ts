import { OPS, type Channel, type EdgeKind } from '../../scheduler/ops.ts';
import type { ObjectInfo, TraceStep } from '../../scheduler/types.ts';

export type { EdgeKind };

/** A happens-before edge between two trace steps of different tasks, through a sync object. */
export interface HbEdge {
  readonly from: number;
  readonly to: number;
  readonly kind: EdgeKind;
}

/**
 * The synchronisation edges of a trace, from the channels each kind acquires from and releases
 * to (ops.ts): unlock → the next lock of that mutex by another task, release → acquire,
 * set → wait or isSet (until a clear), each put → the get that took its item (FIFO), in a
 * bounded queue the get that freed a place → the put that filled it, task-done → queue join,
 * spawn → the child's start, a task's last step → the join that waited for it. Where the race
 * detector joins every earlier release of a channel, a report draws one edge: from the latest
 * release (from the put of the item taken, for a queue's items).
 *
 * `objects` gives a bounded queue's capacity; the other edges follow from the kinds alone.
 */
export function syncEdges(trace: readonly TraceStep[], objects: readonly ObjectInfo[]): HbEdge[] {
  const edges: HbEdge[] = [];
  const latest: Record<'object' | 'done', Map<number, number>> = { object: new Map(), done: new Map() };
  const items = new Map<number, number[]>();
  // A bounded queue's freed places: the gets not yet matched by a put, after its first `capacity` puts.
  const slots = new Map<number, { free: number; gets: number[] }>();
  const slotsOf = (object: number) => {
    let s = slots.get(object);
    if (s === undefined) slots.set(object, s = { free: objects[object]?.capacity ?? 0, gets: [] });
    return s;
  };
  const lastStepOf = new Map<number, number>();
  const spawnedAt = new Map<number, number>();
  /** The step that step s, acquiring from `channel`, synchronises with, if any. */
  const source = (channel: Channel, s: TraceStep): number | undefined => {
    switch (channel) {
      case 'object':
      case 'done':
        return latest[channel].get(s.object);
      case 'items':
        return items.get(s.object)?.shift();
      case 'slots': {
        if ((objects[s.object]?.capacity ?? 0) === 0) return undefined; // unbounded: a put never waits
        const free = slotsOf(s.object);
        if (free.free > 0) {
          free.free--;
          return undefined;
        }
        return free.gets.shift();
      }
      case 'task-start':
        return spawnedAt.get(s.task); // a start acquires from its own task's spawn
      case 'task-end':
        return lastStepOf.get(s.object); // a join acquires from the end of the task it names
    }
  };
  trace.forEach((s, i) => {
    const op = OPS[s.kind];
    if (op.acquires !== null) {
      const from = source(op.acquires.from, s);
      if (from !== undefined && trace[from]!.task !== s.task) edges.push({ from, to: i, kind: op.acquires.edge });
    }
    switch (op.releases) {
      case 'object':
      case 'done':
        latest[op.releases].set(s.object, i);
        break;
      case 'items': {
        const queued = items.get(s.object);
        if (queued === undefined) items.set(s.object, [i]);
        else queued.push(i);
        break;
      }
      case 'slots':
        if ((objects[s.object]?.capacity ?? 0) > 0) slotsOf(s.object).gets.push(i);
        break;
      case 'task-start':
        spawnedAt.set(s.object, i); // a spawn releases to the start of the task it names
        break;
      case 'task-end': // every step releases to its task's end: lastStepOf below
      case null:
        break;
    }
    if (op.resets === 'object' || op.resets === 'done') latest[op.resets].delete(s.object);
    lastStepOf.set(s.task, i);
  });
  return edges;
}
