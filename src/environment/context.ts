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

/** Lets the environment tell the execution's own code from other code of the process. */
export function attributeTasks(ex: Execution, context: TaskContext): void {
  contexts.set(ex, context);
}

/**
 * The execution whose scenario code is calling (code descending from one of its tasks, whether a
 * task is running now or not), or null: the caller then gets the real API. `inTask` alone is not
 * the answer with an environment: it stays true between the moment the microtasks drained and
 * the driver's stall check, while other macrotasks of the process run (vitest's own messages),
 * and it is false while a suspended task resumes with no task running. Reading the clock needs
 * no more than this: virtual time is one value for every task.
 */
export function scenarioExecution(): Execution | null {
  const ex = currentExecution();
  if (ex === null) return null;
  const context = contexts.get(ex);
  if (context === undefined) return ex.inTask ? ex : null; // no environment: controlled calls only
  return context.identify() === undefined ? null : ex;
}

/**
 * The execution, when the calling code is its scenario code AND the engine can attribute the
 * call to a task (the running one, or a suspended one that resumed): what spawning a callback's
 * task or recording a draw needs. A controlled call's real I/O callbacks, which run while no task
 * does, get the real API.
 */
export function callingExecution(): Execution | null {
  const ex = scenarioExecution();
  if (ex === null || ex.inTask) return ex;
  try {
    ex.currentTask(); // throws when no task is running and the caller is no resumed task
    return ex;
  } catch {
    return null;
  }
}
