import { OPS } from '../ops.ts';
import type { TaskId, TraceStep } from '../types.ts';

/** How many final steps are inspected for progress. */
const WINDOW = 500;

/**
 * Explains an execution that hit the step bound. When the last steps changed nothing (only
 * reads, yields, lock round-trips), the tasks that took them are spinning on a condition no
 * task will make true: a livelock, named. Otherwise the execution was still doing work and the
 * bound may simply be too low.
 */
export function livelockMessage(trace: readonly TraceStep[], maxSteps: number, name: (t: TaskId) => string): string {
  const window = trace.slice(-Math.min(WINDOW, Math.max(1, Math.floor(maxSteps / 2))));
  const spinning = [...new Set(window.filter((s) => s.choice).map((s) => s.task))].sort((a, b) => a - b);
  // Progress (OPS[kind].progress) changes state another task could be waiting for; locking,
  // reading, yielding and sleeping do not: a loop made only of them is spinning.
  const progress = window.some((s) => OPS[s.kind].progress);
  const who = spinning.map(name).join(', ');
  if (!progress) {
    return `livelock: ${who} kept running for the last ${window.length} steps without changing anything ` +
      `(only reads, yields and lock round-trips) — spinning on a condition no task will make true ` +
      `(stopped at maxSteps ${maxSteps})`;
  }
  return `execution exceeded ${maxSteps} scheduling points (maxSteps) while still changing state: ${who} ` +
    `keep running — an unbounded loop, or a scenario longer than the bound (raise --max-steps)`;
}
