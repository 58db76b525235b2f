import type { ObjectInfo, TraceStep } from '../../scheduler/types.ts';

export type EdgeKind = 'lock' | 'semaphore' | 'event' | 'queue' | 'spawn' | 'join';

/** A happens-before edge between two trace steps of different tasks, through a sync object. */
export interface HbEdge {
  readonly from: number;
  readonly to: number;
  readonly kind: EdgeKind;
}

/**
 * The synchronisation edges of a trace: unlock → the next lock of that mutex by another task,
 * release → acquire, set → wait, each put → the get that took its item (FIFO), task-done → queue
 * join, spawn → the child's start, a task's last step → the join that waited for it.
 */
export function syncEdges(trace: readonly TraceStep[], objects: readonly ObjectInfo[]): HbEdge[] {
  const edges: HbEdge[] = [];
  const lastRelease = new Map<number, number>();
  const lastDone = new Map<number, number>();
  const puts = new Map<number, number[]>();
  const lastStepOf = new Map<number, number>();
  const spawnedAt = new Map<number, number>();
  const link = (from: number | undefined, to: number, kind: EdgeKind) => {
    if (from !== undefined && trace[from]!.task !== trace[to]!.task) edges.push({ from, to, kind });
  };
  trace.forEach((s, i) => {
    const type = objects[s.object]?.type;
    switch (s.kind) {
      case 'unlock':
      case 'release':
      case 'set':
        lastRelease.set(s.object, i);
        break;
      case 'lock':
        link(lastRelease.get(s.object), i, 'lock');
        break;
      case 'acquire':
        link(lastRelease.get(s.object), i, 'semaphore');
        break;
      case 'wait':
        link(lastRelease.get(s.object), i, 'event');
        break;
      case 'put': {
        const q = puts.get(s.object) ?? [];
        q.push(i);
        puts.set(s.object, q);
        break;
      }
      case 'get':
        if (type === 'queue') link(puts.get(s.object)?.shift(), i, 'queue');
        break;
      case 'task-done':
        lastDone.set(s.object, i);
        break;
      case 'join-queue':
        link(lastDone.get(s.object), i, 'queue');
        break;
      case 'spawn':
        spawnedAt.set(s.object, i);
        break;
      case 'start':
        link(spawnedAt.get(s.task), i, 'spawn');
        break;
      case 'join':
        link(lastStepOf.get(s.object), i, 'join');
        break;
      default:
        break;
    }
    lastStepOf.set(s.task, i);
  });
  return edges;
}
