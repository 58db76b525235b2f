import { AsyncLocalStorage } from 'node:async_hooks';
import type { TaskContext } from '../../scheduler/execution.ts';
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
