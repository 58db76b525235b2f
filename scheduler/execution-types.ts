import type { Execution } from './execution.ts';
import type { ExecutionFailure, PendingOp, TaskId } from './types.ts';

export interface ExecutionOptions {
  /** Scheduling points allowed before the execution is reported as a livelock. */
  readonly maxSteps: number;
  /** Capture a source location per step (slow: used only to report a failure). */
  readonly captureLocations: boolean;
  /**
   * For code not written for heddle (a scenario with an environment): names the task whose code
   * is running now, from an async context that follows promise continuations, and runs a task's
   * body inside that context. With it, a task that awaits a promise heddle does not control is
   * suspended instead of failing the execution: other tasks run, and the task resumes when some
   * task settles the promise (a timer callback, an emitter listener).
   */
  readonly tasks?: TaskContext;
  /**
   * The parts of the Node environment (timers, fs, events) the scenario left off: the advice for
   * a task that awaits a promise heddle does not control names these (default: all three).
   */
  readonly environmentOff?: readonly string[];
}

export interface TaskContext {
  identify(): TaskId | undefined;
  enter<T>(task: TaskId, fn: () => T): T;
}

/** Hooks a detector can attach to an execution (vector clocks, race detection). */
export interface ExecutionObserver {
  /**
   * A step ran: `task` performed `op`. `choice` is true at a scheduling point (called after the
   * strategy chose the task, before it resumes) and false for a non-yielding op (unlock, set,
   * release, task-done) that the running task performed in place.
   */
  onStep(task: TaskId, op: PendingOp, choice: boolean, execution: Execution): ExecutionFailure | null;
  onSpawn(parent: TaskId, child: TaskId): void;
}
