import { dependent, type DporEvent } from '../../scheduler/dependence.ts';
import { toEvents } from '../../scheduler/dependence.ts';
import { namesTask } from '../../scheduler/ops.ts';
import type { ExecutionResult, TaskId } from '../../scheduler/types.ts';

/**
 * A canonical name for the trace of an execution: its lexicographically least equivalent order,
 * under heddle's own dependence (for comparing a split search with the unsplit one; the
 * independent oracle is test/support/oracle).
 */
export function traceKey(events: readonly DporEvent[]): string {
  const left = events.map((_, i) => i);
  const out: number[] = [];
  while (left.length > 0) {
    let best = -1;
    for (const i of left) {
      const blocked = left.some((k) => k < i && dependent(events[k]!, events[i]!));
      if (!blocked && (best < 0 || events[i]!.task < events[best]!.task)) best = i;
    }
    out.push(events[best]!.task);
    left.splice(left.indexOf(best), 1);
  }
  return out.join(',');
}

/**
 * An execution's trace as a key, its tasks numbered by their names (a task made after the first
 * choice may have another engine id in another part), in the order `numbers` first met them.
 */
export function namedKey(result: ExecutionResult, numbers: Map<string, number>): string {
  const number = (id: TaskId) => {
    const name = result.tasks[id]!.name;
    if (!numbers.has(name)) numbers.set(name, numbers.size);
    return numbers.get(name)!;
  };
  return traceKey(toEvents(result.trace).map((e) => ({ task: number(e.task),
    accesses: e.accesses.map((a) => (namesTask(a.kind) ? { ...a, object: number(a.object) } : a)) })));
}
