import { AsyncLocalStorage } from 'node:async_hooks';
import { currentExecution, type Execution, type TaskContext } from '../../scheduler/execution.ts';
import type { TaskId } from '../../scheduler/types.ts';

/**
 * Which heddle task a piece of code belongs to, carried through promise continuations by
 * AsyncLocalStorage. Only scenarios with an environment pay for it: it lets a task that awaits a
 * plain promise (settled later by a timer callback or a listener in another task) be suspended
 * and resumed instead of failing the execution.
 */
export function asyncTaskContext(): { context: TaskContext; close(): void } {
  const storage = new AsyncLocalStorage<TaskId>();
  return {
    context: {
      identify: () => storage.getStore(),
      enter: (task, fn) => storage.run(task, fn),
    },
    close: () => storage.disable(),
  };
}

// The task context of each execution that has one (scenarios with an environment). Weak: an
// execution's entry goes with it, nothing survives from one execution to the next.
const contexts = new WeakMap<Execution, TaskContext>();

/** Lets `callingExecution` tell the execution's task code from other code of the process. */
export function attributeTasks(ex: Execution, context: TaskContext): void {
  contexts.set(ex, context);
}

/**
 * The execution whose task is running the calling code, or null: the caller then gets the real
 * API. `inTask` alone is not enough with an environment:
 * - it stays true between the moment the microtasks drained and the driver's stall check, when
 *   other macrotasks of the process run (vitest's own messages): their `queueMicrotask` or
 *   `Date.now()` must stay real, so the caller must descend from a task (its async context);
 * - it is false while a suspended task resumes with no task running (after `await helper()`
 *   where helper awaited a timer a few promise hops deep): its `Date.now()` or `setTimeout` must
 *   still be virtual;
 * - a controlled call's real I/O callbacks descend from a task parked at its response: they are
 *   not that task running, so they stay real.
 * Without a task context (no environment: controlled calls only) the engine's `inTask` decides.
 */
export function callingExecution(): Execution | null {
  const ex = currentExecution();
  if (ex === null) return null;
  const context = contexts.get(ex);
  if (context === undefined) return ex.inTask ? ex : null;
  const task = context.identify();
  if (task === undefined) return null;
  try {
    return ex.currentTask() === task ? ex : null; // the running task, or a suspended one resumed
  } catch {
    return null; // no task is running and the caller is no resumed task
  }
}
