import { OPS } from '../ops.ts';
import type { BlockedTask, ObjectId, ObjectInfo, PendingOp, TaskId } from '../types.ts';

export interface Describer {
  task(id: TaskId): string;
  object(id: ObjectId): string;
}

export function objectDescriber(taskName: (id: TaskId) => string, objects: readonly ObjectInfo[]): Describer {
  return {
    task: (id) => `task ${id} '${taskName(id)}'`,
    object: (id) => {
      const o = objects[id];
      return o ? `${o.type} '${o.name}'` : `object ${id}`;
    },
  };
}

/** Every live task with why it cannot run. */
export function findBlocked(live: readonly { id: TaskId; op: PendingOp | null }[]): BlockedTask[] {
  return live.map(({ id, op }) => {
    const heldBy = op?.blocker?.();
    return {
      task: id,
      op: op?.kind ?? 'yield',
      object: op?.object ?? -1,
      ...(heldBy !== undefined ? { heldBy } : {}),
      ...(op?.waitsFor !== undefined ? { waitsFor: op.waitsFor } : {}),
    };
  });
}

/**
 * A wait-for cycle: task → resource → holder task → … back to the first task. Found by
 * following `heldBy` edges from each blocked task; at most one edge leaves a task.
 */
export function findCycle(blocked: readonly BlockedTask[]): BlockedTask[] | null {
  const byTask = new Map(blocked.map((b) => [b.task, b]));
  for (const start of blocked) {
    const path: BlockedTask[] = [];
    const seen = new Set<TaskId>();
    let at: BlockedTask | undefined = start;
    while (at !== undefined && !seen.has(at.task)) {
      seen.add(at.task);
      path.push(at);
      at = at.heldBy === undefined ? undefined : byTask.get(at.heldBy);
    }
    if (at !== undefined) return path.slice(path.indexOf(at));
  }
  return null;
}

/** "waits to lock mutex 'm' (held by task 2 'b')", "waits to join task 2 'b'". */
function waitText(b: BlockedTask, d: Describer): string {
  const op = OPS[b.op];
  const verb = op.blocks?.waits ?? b.op;
  // A join's holder is the task it names: saying so twice adds nothing.
  if (op.target === 'task') return `waits ${verb} ${d.task(b.object)}`;
  const held = b.heldBy !== undefined ? ` (held by ${d.task(b.heldBy)})` : '';
  return `waits ${verb} ${d.object(b.object)}${held}`;
}

/**
 * A cycle is named first (task → resource → holder → … → task); otherwise each task that waits
 * on something no remaining task can provide ("waits forever to get from queue 'q': no task
 * left can put"). Tasks blocked only behind those are listed after them.
 */
export function deadlockMessage(blocked: readonly BlockedTask[], d: Describer): string {
  const cycle = findCycle(blocked);
  const line = (b: BlockedTask) => `${d.task(b.task)} ${waitText(b, d)}`;
  if (cycle !== null) {
    const inCycle = new Set(cycle.map((b) => b.task));
    const others = blocked.filter((b) => !inCycle.has(b.task));
    return `deadlock: wait-for cycle — ${cycle.map(line).join('; ')}` +
      (others.length > 0 ? ` (also blocked: ${others.map(line).join('; ')})` : '');
  }
  const roots = blocked.filter((b) => b.heldBy === undefined);
  const behind = blocked.filter((b) => b.heldBy !== undefined);
  const forever = roots.map((b) => `${d.task(b.task)} waits forever ${waitText(b, d).replace(/^waits /, '')}` +
    (b.waitsFor ? `: ${b.waitsFor}` : ''));
  return `deadlock: no task can run — ${forever.join('; ')}` +
    (behind.length > 0 ? ` (also blocked: ${behind.map(line).join('; ')})` : '');
}
